using System.Text.RegularExpressions;
using DmaDiscipline.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Tests.Repository;

/// <summary>
/// The documentation's C# examples, compiled as the driver code they show and run through every DMA analyzer: a rule
/// page's "Bad" example gets exactly the diagnostics its comments name (<c>// DMA003</c> on a line, <c>DMA004 twice</c>,
/// <c>not DMA001</c> for none), its "Good" example none, and the READMEs' examples compile and are clean. A reader
/// copies these first; an example the analyzer disagrees with, or one that no longer compiles, fails here.
/// </summary>
/// <remarks>
/// Fragments leave the driver's state free (<c>dma</c>, <c>buf</c>, <c>ring</c>…): each free name of <see cref="Context"/>
/// becomes a parameter of the method the fragment is the body of, the device-side shapes declared beside it. A name
/// outside that table is a compile error, which the test reports. Lines that are only <c>...</c> (elided code) are dropped.
/// </remarks>
public sealed class DocumentationExampleTests
{
    /// <summary>What the free names of the examples stand for: the runtime's types, or a driver's device-side shapes.</summary>
    private static readonly (string Name, string Parameter)[] Context =
    [
        ("dma", "DmaApi dma"),
        ("device", "Device device"),
        ("memory", "PhysicalMemory memory"),
        ("buf", "KBuffer buf"),
        ("buffer", "KBuffer buffer"),
        ("rx", "KBuffer rx"),
        ("ringBuffer", "KBuffer ringBuffer"),
        ("ringMemory", "CoherentBuffer ringMemory"),
        ("a", "DmaAddr a"),
        ("ring", "Ring ring"),
        ("descriptor", "ref Desc descriptor"),
        ("regs", "Regs regs"),
        ("transport", "Transport transport"),
        ("i", "int i"),
        ("offset", "int offset"),
        ("length", "int length"),
        ("len", "int len"),
    ];

    private const string DeviceSide = """

        public struct Desc { [BusAddress] public ulong Addr; public uint Len; public ushort Flags; }

        public sealed class Ring
        {
            private readonly Desc[] _slots = new Desc[256];
            public ref Desc this[int index] => ref _slots[index];
            public void Post([BusAddress] DmaAddr address, int length) { }
        }

        public sealed class Regs { [BusAddress] public ulong QueueDesc { get; set; } }

        public sealed class Transport { public void SetQueueDesc([BusAddress] ulong address) { } }

        public static class Log { public static void Info(string text) { } }

        """;

    public static TheoryData<string, string> RuleExamples()
    {
        var data = new TheoryData<string, string>();
        foreach (var rule in Enumerable.Range(1, 8).Select(n => $"DMA00{n}"))
        {
            data.Add(rule, "Bad");
            data.Add(rule, "Good");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleExamples))]
    public async Task A_rule_pages_example_gets_the_diagnostics_its_comments_name(string rule, string section)
    {
        var fragment = Example(Path.Combine("docs", "rules", rule + ".md"), "## " + section);
        var (source, firstLine) = AsMethodBody(fragment);
        var result = await AnalyzerRunner.RunAsync([("Example.cs", source)]);

        Assert.Empty(result.Exceptions);
        Assert.True(result.CompilerErrors.IsEmpty, $"{rule} {section} does not compile:\n{string.Join("\n", result.CompilerErrors)}\n{source}");
        var expected = section == "Bad" ? Expected(fragment) : [];
        var actual = result.Diagnostics
            .Where(d => Regex.IsMatch(d.Id, @"^DMA00\d$"))
            .Select(d => $"line {d.Location.GetLineSpan().StartLinePosition.Line - firstLine + 1}: {d.Id}")
            .OrderBy(x => x, StringComparer.Ordinal)
            .ToList();
        Assert.True(expected.SequenceEqual(actual),
            $"{rule} {section}: expected [{string.Join(", ", expected)}], the analyzers gave [{string.Join(", ", actual)}]\n"
            + string.Join("\n", result.Diagnostics.Select(d => d.ToString())) + "\n" + fragment);
    }

    [Fact]
    public async Task The_READMEs_runtime_example_is_a_clean_program()
    {
        var program = Example("README.md", "## Writing a driver against the runtime");
        var result = await AnalyzerRunner.RunAsync([("Program.cs", program)], asProgram: true);

        Assert.Empty(result.Exceptions);
        Assert.True(result.CompilerErrors.IsEmpty, string.Join("\n", result.CompilerErrors));
        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_runtime_READMEs_example_compiles_and_is_clean()
    {
        var fragment = Example(Path.Combine("sim-runtime", "DmaDiscipline.Runtime", "README.md"), null);
        var (source, _) = AsMethodBody(fragment);
        var result = await AnalyzerRunner.RunAsync([("Example.cs", source)]);

        Assert.Empty(result.Exceptions);
        Assert.True(result.CompilerErrors.IsEmpty, string.Join("\n", result.CompilerErrors) + "\n" + source);
        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("DMA", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("x = 1; // DMA003", "line 1: DMA003")]
    [InlineData("x = 1; // DMA004 twice", "line 1: DMA004", "line 1: DMA004")]
    [InlineData("x = 1; // ...DMA003", "line 1: DMA003")]
    [InlineData("x = 1; // DMA008 (not DMA001)", "line 1: DMA008")]
    [InlineData("x = 1; // not DMA001: a forged bus address, DMA008 where it is used")]
    [InlineData("x = 1; // leaks here")]
    [InlineData("x = 1;\ny = 2; // DMA005", "line 2: DMA005")]
    public void The_expectations_are_read_from_the_comments(string fragment, params string[] expected) =>
        Assert.Equal(expected, Expected(fragment));

    /// <summary>The first <c>csharp</c> block of <paramref name="file"/> under <paramref name="heading"/> (the whole file when null), before the next heading.</summary>
    private static string Example(string file, string? heading)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositorySources.Root, file));
        var at = heading is null ? 0 : Array.FindIndex(lines, l => l.TrimEnd() == heading);
        Assert.True(at >= 0, $"{file} has no '{heading}'");
        for (var i = at + 1; i < lines.Length && (heading is null || !lines[i].StartsWith("## ", StringComparison.Ordinal)); i++)
        {
            if (lines[i].TrimEnd() == "```csharp")
            {
                var end = Array.FindIndex(lines, i + 1, l => l.TrimEnd() == "```");
                Assert.True(end > i, $"{file}: an unclosed csharp block at line {i + 1}");
                return string.Join("\n", lines[(i + 1)..end].Select(l => Elided(l) ? "" : l));
            }
        }

        throw new InvalidOperationException($"{file} has no csharp block under '{heading}'");
    }

    /// <summary>A line of elided code: <c>...</c>, alone or before a comment.</summary>
    private static bool Elided(string line) => line.TrimStart().StartsWith("...", StringComparison.Ordinal);

    /// <summary>
    /// The fragment as the body of a method whose parameters are the <see cref="Context"/> names it uses and does not
    /// declare, returning what its <c>return</c>s return; and the 0-based line of the source the fragment starts on.
    /// </summary>
    private static (string Source, int FirstLine) AsMethodBody(string fragment)
    {
        var body = (BlockSyntax)SyntaxFactory.ParseStatement("{\n" + fragment + "\n}");
        var declared = body.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.ValueText)
            .Concat(body.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Select(v => v.Identifier.ValueText))
            .ToHashSet(StringComparer.Ordinal);
        var used = body.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(n => n.Parent is not MemberAccessExpressionSyntax access || access.Expression == n)
            .Select(n => n.Identifier.ValueText)
            .ToHashSet(StringComparer.Ordinal);
        var parameters = Context.Where(c => used.Contains(c.Name) && !declared.Contains(c.Name)).Select(c => c.Parameter);
        var returned = body.DescendantNodes().OfType<ReturnStatementSyntax>().Select(r => r.Expression).FirstOrDefault(e => e is not null);
        var returnType = returned switch
        {
            null => "void",
            LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.TrueLiteralExpression) || literal.IsKind(SyntaxKind.FalseLiteralExpression) => "bool",
            _ => "int",
        };
        var header = $"using System;\nusing DmaDiscipline.Runtime;\n\npublic sealed class Driver\n{{\n    public {returnType} Example({string.Join(", ", parameters)})\n    {{\n";
        var tail = returnType switch { "bool" => "\n        return true;\n    }\n}\n", "int" => "\n        return 0;\n    }\n}\n", _ => "\n    }\n}\n" };
        return (header + fragment + tail + DeviceSide, header.Count(c => c == '\n'));
    }

    /// <summary>
    /// What a Bad example's comments promise, one entry per diagnostic: a line whose comment starts with a rule id
    /// (after an optional <c>...</c>) expects it, twice when <c>twice</c> follows; <c>not DMA00N</c> expects nothing.
    /// </summary>
    private static List<string> Expected(string fragment)
    {
        var expected = new List<string>();
        var lines = fragment.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var comment = lines[i].IndexOf("//", StringComparison.Ordinal);
            if (comment < 0)
            {
                continue;
            }

            var match = Regex.Match(lines[i][(comment + 2)..], @"^\s*(?:\.\.\.)?(?<id>DMA\d{3})(?<twice>\s+twice)?");
            if (match.Success)
            {
                var count = match.Groups["twice"].Success ? 2 : 1;
                expected.AddRange(Enumerable.Repeat($"line {i + 1}: {match.Groups["id"].Value}", count));
            }
        }

        expected.Sort(StringComparer.Ordinal);
        return expected;
    }
}
