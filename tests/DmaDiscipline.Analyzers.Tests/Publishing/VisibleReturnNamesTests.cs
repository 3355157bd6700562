using System.Text;
using System.Text.RegularExpressions;
using DmaDiscipline.Analyzers.Publishing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Tests.Publishing;

/// <summary>
/// The value-preserving question reads a body's names per name asked, from the places the name occurs as a word
/// (<see cref="VisibleReturn.Names.ByWords"/>), instead of reading every node of the body (<see cref="VisibleReturn.Names.ReadAll"/>):
/// for every word of every body here both give the same declarations and the same "written" answer, and where the text
/// may spell a name otherwise than its value (an escape, a formatting character), may hold a query, or the body is an
/// iterator or too large, the words are not used and the whole body is read as before.
/// </summary>
public sealed class VisibleReturnNamesTests
{
    private const string Bodies = """
        using System;
        using System.Collections.Generic;

        public sealed class Helpers
        {
            private ulong _seen;

            public ulong Negotiate(ulong offered, ulong wanted)
            {
                var accepted = offered & wanted;
                if ((accepted & (1UL << 32)) == 0)
                {
                    throw new InvalidOperationException("accepted is VERSION_1 not offered");
                }

                var names = new List<string>();
                for (var bit = 0; bit < 64; bit++)
                {
                    if ((accepted & (1UL << bit)) != 0)
                    {
                        names.Add(bit switch { 28 => "INDIRECT_DESC", 29 => "names", _ => "bit" + bit });
                    }
                }

                _seen += (ulong)names.Count;
                return accepted | ((ulong)names.Count << 56);
            }

            // Names in comments, strings, interpolations, verbatim identifiers, lambdas and local functions; writes of every kind.
            public ulong Writes(ulong address, ulong other)
            {
                // address = 0; (a comment, no write)
                var text = $"address={address} {nameof(other)}";
                var @value = address;
                value += 1;
                other++;
                Func<ulong, ulong> shadow = address => address + 1;
                Action change = delegate { other = 3; };
                ulong Local(ulong p) { p = 2; return p; }
                if (TryGet(out var found) && found is ulong typed)
                {
                    (value, typed) = (typed, value);
                }

                foreach (var item in new[] { 1UL }) { _seen += item; }
                try { _seen++; } catch (InvalidOperationException caught) { text = caught.Message; }
                ref var alias = ref value;
                Bump(ref other);
                return Local(address) + shadow(value) + @value;
            }

            public ulong Arrow(ulong address) => address + _seen;

            private static bool TryGet(out object result) { result = 1UL; return true; }
            private static void Bump(ref ulong x) { x++; }
        }
        """;

    [Fact]
    public void Read_per_name_gives_every_word_of_a_body_the_answers_of_reading_every_node()
    {
        var bodies = BodiesOf(Bodies);
        Assert.Equal(5, bodies.Count);
        foreach (var body in bodies)
        {
            var byWords = VisibleReturn.Names.ByWords(body);
            Assert.NotNull(byWords);
            AssertSameAnswers(body, byWords!, VisibleReturn.Names.ReadAll(body)!);
        }
    }

    [Theory]
    [InlineData("var \\u0061ddress = 1UL; return \\u0061ddress;")]
    [InlineData("var a\u00ADddress = 1UL; return address;")]
    [InlineData("var q = from x in new[] { address } select x; return address;")]
    public void A_text_that_may_spell_a_name_otherwise_or_hold_a_query_is_read_whole(string statements)
    {
        var body = BodiesOf("public class C { public ulong M(ulong address) { " + statements + " } }").Single();
        Assert.Null(VisibleReturn.Names.ByWords(body));
        var read = VisibleReturn.Names.Read(body);
        var all = VisibleReturn.Names.ReadAll(body);
        Assert.Equal(all is null, read is null);
        if (read is not null)
        {
            AssertSameAnswers(body, read, all!);
        }
    }

    [Fact]
    public void An_iterator_or_a_body_of_more_statements_than_the_flow_is_trusted_with_has_no_names_either_way()
    {
        // The statements past the limit hide in a lambda; a plain look-alike at the limit keeps its names.
        var hidden = new StringBuilder("public class C { public ulong M(ulong address) { System.Action a = () => {");
        for (var i = 0; i < 70; i++)
        {
            hidden.Append(" address++;");
        }

        hidden.Append(" }; return address; } }");
        var atLimit = new StringBuilder("public class C { public ulong M(ulong address) {");
        for (var i = 0; i < 63; i++)
        {
            atLimit.Append(" address++;");
        }

        atLimit.Append(" return address; } }");
        const string Iterator = "public class C { public System.Collections.Generic.IEnumerable<ulong> M(ulong address) { yield return address; } }";
        foreach (var source in new[] { hidden.ToString(), Iterator })
        {
            var body = BodiesOf(source).Single();
            Assert.Null(VisibleReturn.Names.ByWords(body));
            Assert.Null(VisibleReturn.Names.ReadAll(body));
        }

        var kept = BodiesOf(atLimit.ToString()).Single();
        Assert.NotNull(VisibleReturn.Names.ByWords(kept));
        Assert.True(VisibleReturn.Names.ByWords(kept)!.IsWritten("address"));
    }

    [Theory]
    [InlineData("{ x++; { x--; } }")]
    [InlineData("void Local() { x++; } Local();")]
    [InlineData("int Arrow() => x; x = Arrow();")]
    [InlineData("again: x++; if (x < 3) goto again;")]
    [InlineData("if (x > 0) if (x > 1) if (x > 2) x = 0; else x = 1;")]
    [InlineData("checked { x++; } unchecked { x--; }")]
    [InlineData("unsafe { int* p = &x; fixed (int* q = new int[1]) *q = *p; }")]
    [InlineData("lock (this) x++; using (new System.IO.MemoryStream()) x++; using var s = new System.IO.MemoryStream();")]
    [InlineData("try { x++; } catch (System.Exception) { x--; } finally { x = 0; }")]
    [InlineData("while (x < 3) x++; do x--; while (x > 0); for (;;) break; foreach (var i in new[] { 1 }) continue;")]
    [InlineData("switch (x) { case 1: x++; break; default: x--; break; }")]
    [InlineData("System.Action a = () => { x++; x--; }; System.Func<int> f = delegate { return x; }; ;")]
    [InlineData("if (x == 0) throw new System.Exception(); return;")]
    public void The_text_count_of_statements_is_never_below_the_statements_the_syntax_holds(string statements)
    {
        for (var copies = 1; copies <= 3; copies++)
        {
            var body = BodiesOf("public unsafe class C { private int x; public void M() { " + string.Concat(Enumerable.Repeat(statements + " ", copies)) + " } }").Single();
            var count = body.DescendantNodes().Count(node => node is StatementSyntax);
            var text = body.SyntaxTree.GetText().ToString();
            Assert.True(VisibleReturn.Names.MayHoldStatementsBeyond(text, body.SpanStart, body.Span.End, count - 1), $"{count} statements in: {body}");
        }
    }

    [Fact]
    public void A_body_whose_text_bounds_its_statements_within_the_limit_keeps_its_names_and_one_past_the_bound_is_counted()
    {
        // 70 statements in a lambda: the text's bound is past the limit, the nodes are counted, the body has no names.
        var past = new StringBuilder("public class C { public ulong M(ulong address) { System.Action a = () => {");
        var within = new StringBuilder("public class C { public ulong M(ulong address) {");
        for (var i = 0; i < 70; i++)
        {
            past.Append(" address++;");
            within.Append(i < 20 ? " address++;" : " /* a comment */");
        }

        past.Append(" }; return address; } }");
        within.Append(" return address; } }");
        var pastBody = BodiesOf(past.ToString()).Single();
        var withinBody = BodiesOf(within.ToString()).Single();
        Assert.True(VisibleReturn.Names.MayHoldStatementsBeyond(pastBody.SyntaxTree.GetText().ToString(), pastBody.SpanStart, pastBody.Span.End, 64));
        Assert.Null(VisibleReturn.Names.ByWords(pastBody));
        Assert.False(VisibleReturn.Names.MayHoldStatementsBeyond(withinBody.SyntaxTree.GetText().ToString(), withinBody.SpanStart, withinBody.Span.End, 64));
        Assert.NotNull(VisibleReturn.Names.ByWords(withinBody));
    }

    private static void AssertSameAnswers(SyntaxNode body, VisibleReturn.Names names, VisibleReturn.Names all)
    {
        foreach (var word in Regex.Matches(body.ToFullString(), "[A-Za-z_][A-Za-z0-9_]*").Select(match => match.Value).Distinct())
        {
            Assert.Equal(all.TryGetDeclarations(word, out var expected), names.TryGetDeclarations(word, out var actual));
            Assert.Equal(expected ?? [], actual ?? []);
            Assert.Equal(all.IsWritten(word), names.IsWritten(word));
        }
    }

    private static List<SyntaxNode> BodiesOf(string source) =>
        CSharpSyntaxTree.ParseText(source).GetRoot().DescendantNodes().OfType<BaseMethodDeclarationSyntax>()
            .Select(declaration => (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody)
            .OfType<SyntaxNode>()
            .ToList();
}
