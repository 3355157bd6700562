using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
using DmaDiscipline.CodeFixes.Requests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Rules
{
    public sealed partial class RawPhysicalAddressFixer
    {
        /// <summary>The per-request rewrite: map before the descriptor is written, check, keep for the completion path.</summary>
        private static class StreamingMap
        {
            /// <param name="sinkTakesHandle">
            /// The sink is a bus address forged from the physical one (<c>new DmaAddr(b.PhysicalAddress.Value)</c>, DMA008): it
            /// becomes the mapping's handle, not its value.
            /// </param>
            public static IEnumerable<PlannedFix> Plans(SemanticModel model, ExpressionSyntax sink, ExpressionSyntax source, ExpressionSyntax buffer, ExpressionSyntax? offset, RuntimeSymbols symbols, CancellationToken cancellationToken, bool sinkTakesHandle = false)
            {
                var address = sinkTakesHandle && sink is BaseObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 1 } forged
                    ? forged.ArgumentList.Arguments[0].Expression
                    : sink;
                var statement = sink.FirstAncestorOrSelf<StatementSyntax>();
                var method = sink.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>();
                var body = method?.Body;
                if (statement is null || body is null || !(statement.Parent is BlockSyntax) || !(method is MethodDeclarationSyntax)
                    || !(source.Parent is MemberAccessExpressionSyntax value) || value.Name.Identifier.ValueText != "Value")
                {
                    yield break;
                }

                // ulong pa = b.PhysicalAddress.Value; … desc.Addr = pa; — the address is made where the local is: the map goes
                // before its declaration and the local holds the bus address (the sink still gives the length and direction).
                var replaced = sink;
                if (!sinkTakesHandle && KeptInLocal(model, sink, statement, method!, cancellationToken) is { } kept
                    && (kept.Initializer == value || kept.Initializer is BinaryExpressionSyntax { Left: var left } && left == value))
                {
                    statement = kept.Declaration;
                    replaced = kept.Initializer;
                    address = kept.Initializer;
                }

                // addr = phys.Value [+ offset]
                string offsetText;
                if (address == value)
                {
                    offsetText = offset?.WithoutTrivia().ToString() ?? "0";
                }
                else if (address is BinaryExpressionSyntax add && add.IsKind(SyntaxKind.AddExpression) && add.Left == value && offset is null)
                {
                    offsetText = StripCast(add.Right).ToString();
                }
                else
                {
                    yield break;
                }

                var lengthText = Length(model, sink, buffer, offsetText, cancellationToken);
                var dma = DmaApiSource.At(model, statement, cancellationToken);
                var failure = FailureStyle.For(model, statement, "DMA mapping failed", cancellationToken);
                if (lengthText is null || dma is null || failure is null
                    || !Stable.IsInScope(model, buffer, statement.SpanStart, cancellationToken))
                {
                    yield break;
                }

                // Fix All maps every raw address of the method at once: each site's names carry its place among them.
                var sites = RawAddressValues(model, body, symbols, cancellationToken);
                var ordinal = sites.IndexOf(value);
                var suffix = ordinal > 0 ? (ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;
                var directionName = Names.Unique(method!, "dmaDirection" + suffix);
                var addressName = Names.Unique(method!, "dmaAddress" + suffix);
                var mappingsName = Names.Unique(method!, "dmaMappings" + suffix);

                // One request list per method, shared by every site that posts a buffer of the request: the first site's fix
                // declares it and keeps it with the request state, the others add to it (in one Fix All pass, or one by one —
                // a site fixed earlier left the list, which the next site finds). Maps that are not on the list: map-only.
                var maps = body.DescendantNodes().OfType<InvocationExpressionSyntax>().Count(c => MapCall.From(model, c, cancellationToken) is { IsStreaming: true });
                var shared = SharedList(model, body, statement, cancellationToken);
                var bookkeeping = maps == (shared?.Adds ?? 0) ? RequestState.Find(model, (MethodDeclarationSyntax)method!, statement, cancellationToken) : null;
                if (bookkeeping is not null && sites.Any(other => other != value && !SameRequest(model, (MethodDeclarationSyntax)method!, other, bookkeeping, cancellationToken)))
                {
                    bookkeeping = null; // another raw address of the method belongs to another request
                }

                if (shared is not null)
                {
                    mappingsName = shared.Value.Name;
                }
                else if (bookkeeping is not null)
                {
                    mappingsName = Names.Unique(method!, "dmaMappings");
                }

                var completion = bookkeeping is null ? CompletionInMethod(model, body, statement, buffer, cancellationToken) : null;

                // Both ways only when both are evident: a device-writable descriptor over the whole buffer the CPU has just filled.
                var cpuFilled = offsetText == "0" && CpuFill.Before(model, buffer, statement, cancellationToken);
                var choices = DirectionChoice.For(model, sink, statement, cpuFilled, completion?.CpuReads == true, cancellationToken);
                var newSink = SyntaxFactory.ParseExpression(sinkTakesHandle ? addressName : $"{addressName}.Value").WithTriviaFrom(replaced);
                var preferred = true;
                foreach (var choice in choices)
                {
                    var mapping = new List<StatementSyntax>
                    {
                        Statement($"DmaDiscipline.Runtime.DmaDirection {directionName} = {choice.Text};"),
                        Statement($"DmaDiscipline.Runtime.DmaAddr {addressName} = {dma}.MapSingle({buffer.WithoutTrivia()}, {offsetText}, {lengthText}, {directionName});"),
                    };
                    var keySuffix = preferred ? string.Empty : choice.KeySuffix;
                    preferred = false;
                    if (completion is not null)
                    {
                        mapping.Add(MappingErrorCheckFixer.CheckStatement(dma, addressName, failure));
                        var unmap = Statement($"{dma}.UnmapSingle({addressName}, {lengthText}, {directionName});");
                        var at = completion.Statement;
                        yield return new PlannedFix(
                            $"Map through the DMA API ({choice.Title}) and unmap before the CPU reads the result",
                            MapInMethodKey + keySuffix,
                            "map@" + sink.SpanStart,
                            editor =>
                            {
                                Statements.InsertBefore(editor, statement, mapping);
                                editor.ReplaceNode(replaced, newSink);
                                Statements.InsertBefore(editor, at, new[] { unmap });
                            });
                        continue;
                    }

                    if (bookkeeping is null)
                    {
                        mapping.Add(MappingErrorCheckFixer.CheckStatement(dma, addressName, failure));
                        yield return new PlannedFix(
                            string.Format(System.Globalization.CultureInfo.InvariantCulture, MapOnlyTitle, choice.Title),
                            MapOnlyKey + keySuffix,
                            "map@" + sink.SpanStart,
                            editor =>
                            {
                                Statements.InsertBefore(editor, statement, mapping);
                                editor.ReplaceNode(replaced, newSink);
                            });
                        continue;
                    }

                    // The list is empty when the first map of a request run once fails: the failure path has nothing to release;
                    // otherwise (a later site, a loop round) it releases what the request has mapped so far.
                    var first = shared is null && sites.IndexOf(value) == 0;
                    if (!first || InLoop(statement, bookkeeping.StoreBlock))
                    {
                        mapping.Add(SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{dma}.MappingError({addressName})"), SyntaxFactory.Block(Statement(UnmapAll(model, method!, dma, mappingsName)), failure)).WithAdditionalAnnotations(Formatter.Annotation));
                    }
                    else
                    {
                        mapping.Add(MappingErrorCheckFixer.CheckStatement(dma, addressName, failure));
                    }

                    mapping.Add(Statement($"{mappingsName}.Add(({addressName}, {lengthText}, {directionName}));"));
                    var outer = statement.AncestorsAndSelf().OfType<StatementSyntax>().First(s => s.Parent == bookkeeping.StoreBlock);
                    var declareList = Statement($"var {mappingsName} = new {RequestState.ListType}();");
                    var exits = ExitsBefore(body, statement, bookkeeping);
                    var releaseOnExit = Statement(UnmapAll(model, method!, dma, mappingsName));
                    var state = bookkeeping;
                    var arrangeKey = "request@" + method!.SpanStart;
                    yield return new PlannedFix(
                        $"Map through the DMA API ({choice.Title}) and unmap where '{state.Name}' is released",
                        MapKey + keySuffix,
                        "map@" + sink.SpanStart,
                        editor =>
                        {
                            // The list, its keeping with the request and the releases on the ways out: once per request.
                            var arrange = shared is null && Arranged.GetOrCreateValue(editor).Add(arrangeKey);
                            if (arrange && outer == statement)
                            {
                                Statements.InsertBefore(editor, statement, new[] { declareList }.Concat(mapping));
                            }
                            else
                            {
                                if (arrange)
                                {
                                    Statements.InsertBefore(editor, outer, new[] { declareList });
                                }

                                Statements.InsertBefore(editor, statement, mapping);
                            }

                            editor.ReplaceNode(replaced, newSink);
                            if (arrange)
                            {
                                state.Apply(editor, model, mappingsName, cancellationToken);
                                foreach (var exit in exits)
                                {
                                    Statements.InsertBefore(editor, exit, new[] { releaseOnExit });
                                }
                            }
                        });
                }
            }

            /// <summary>
            /// The sink is a local (<c>pa</c>) declared earlier in its block with one declarator and an initializer, never
            /// written after and read only there: that declaration and its initializer.
            /// </summary>
            private static (LocalDeclarationStatementSyntax Declaration, ExpressionSyntax Initializer)? KeptInLocal(SemanticModel model, ExpressionSyntax sink, StatementSyntax statement, BaseMethodDeclarationSyntax method, CancellationToken cancellationToken)
            {
                if (!(sink.WalkDownParentheses() is IdentifierNameSyntax name) || !(model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local)
                    || local.DeclaringSyntaxReferences.Length != 1
                    || !(local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: var initializer } declarator)
                    || !(declarator.Parent?.Parent is LocalDeclarationStatementSyntax declaration) || declaration.Declaration.Variables.Count != 1
                    || declaration.Parent != statement.Parent || declaration.SpanStart >= statement.SpanStart
                    || Stable.IsWritten(model, local, method, cancellationToken))
                {
                    return null;
                }

                // Read at the sink only: another reader (a second descriptor, a log line) would change with it, and a second
                // sink's fix would map the same buffer again at the same declaration.
                var reads = method.DescendantNodes().OfType<IdentifierNameSyntax>()
                    .Count(i => i.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i, cancellationToken).Symbol, local));
                return reads == 1 ? (declaration, initializer.WalkDownParentheses()) : null;
            }

            /// <summary>Which request lists an editor (one fix, or one Fix All round) has already arranged.</summary>
            private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DocumentEditor, HashSet<string>> Arranged =
                new System.Runtime.CompilerServices.ConditionalWeakTable<DocumentEditor, HashSet<string>>();

            private static string UnmapAll(SemanticModel model, BaseMethodDeclarationSyntax method, string dma, string list)
            {
                var each = Names.Unique(method, "mapping");
                return $"foreach (var {each} in {list})\n{{\n{dma}.UnmapSingle({each}.Address, {each}.Length, {each}.Direction);\n}}";
            }

            /// <summary>
            /// The request list a fix of another site of this method already declared (a local of the list type, in scope at
            /// <paramref name="statement"/>), with the number of mappings added to it.
            /// </summary>
            private static (string Name, int Adds)? SharedList(SemanticModel model, BlockSyntax body, StatementSyntax statement, CancellationToken cancellationToken)
            {
                foreach (var declarator in body.DescendantNodes().OfType<VariableDeclaratorSyntax>())
                {
                    if (declarator.SpanStart > statement.SpanStart || !(model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol local)
                        || !IsRequestList(local.Type) || !model.LookupSymbols(statement.SpanStart, name: local.Name).Any(s => SymbolEqualityComparer.Default.Equals(s, local)))
                    {
                        continue;
                    }

                    var adds = body.DescendantNodes().OfType<InvocationExpressionSyntax>().Count(c => c.Expression is MemberAccessExpressionSyntax add
                        && add.Name.Identifier.ValueText == "Add" && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(add.Expression, cancellationToken).Symbol, local));
                    return (local.Name, adds);
                }

                return null;
            }

            private static bool IsRequestList(ITypeSymbol type) =>
                type is INamedTypeSymbol { Name: "List", TypeArguments: { Length: 1 } arguments } && arguments[0] is INamedTypeSymbol { IsTupleType: true } tuple
                && tuple.TupleElements.Length == 3 && tuple.TupleElements[0].Name == "Address" && tuple.TupleElements[0].Type.Name == "DmaAddr"
                && tuple.TupleElements[2].Type.Name == "DmaDirection";

            /// <summary>Whether the raw address <paramref name="other"/> is posted for the same request (the same store follows it).</summary>
            private static bool SameRequest(SemanticModel model, MethodDeclarationSyntax method, MemberAccessExpressionSyntax other, RequestState state, CancellationToken cancellationToken) =>
                other.FirstAncestorOrSelf<StatementSyntax>() is { } statement && RequestState.Find(model, method, statement, cancellationToken) is { } found
                && found.StoreStart == state.StoreStart;

            /// <summary>
            /// The ways out of the request between <paramref name="statement"/> and the store (<c>return</c>, <c>throw</c>, a
            /// <c>break</c>/<c>continue</c> out of the store's block): each must release what the request has mapped, at the
            /// start of its own block (before it frees a buffer the mapping still pins), or right before it when it stands alone.
            /// </summary>
            private static List<StatementSyntax> ExitsBefore(BlockSyntax body, StatementSyntax statement, RequestState state)
            {
                var at = new List<StatementSyntax>();
                foreach (var exit in body.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)).OfType<StatementSyntax>())
                {
                    if (exit.SpanStart <= statement.Span.End || exit.SpanStart >= state.StoreStart
                        || !(exit is ReturnStatementSyntax || exit is ThrowStatementSyntax || exit is BreakStatementSyntax || exit is ContinueStatementSyntax))
                    {
                        continue;
                    }

                    if ((exit is BreakStatementSyntax || exit is ContinueStatementSyntax)
                        && exit.Ancestors().TakeWhile(a => a != state.StoreBlock).Any(a => a is ForStatementSyntax || a is ForEachStatementSyntax || a is WhileStatementSyntax || a is DoStatementSyntax || a is SwitchStatementSyntax))
                    {
                        continue; // a loop or switch inside the store's block: it does not leave the request
                    }

                    var target = exit.Parent is BlockSyntax block && block.SpanStart > statement.Span.End ? block.Statements[0] : exit;
                    if (!at.Contains(target))
                    {
                        at.Add(target);
                    }
                }

                return at;
            }

            private static bool InLoop(StatementSyntax statement, BlockSyntax body) =>
                statement.Ancestors().TakeWhile(a => a != body).Any(a => a is ForStatementSyntax || a is ForEachStatementSyntax || a is WhileStatementSyntax || a is DoStatementSyntax);

            /// <summary>
            /// The mapped length: the length argument beside the address (a parameter whose name says length), else the
            /// whole buffer (from the offset to its end) — a superset of what the device touches, unmapped with the same length.
            /// </summary>
            private static string? Length(SemanticModel model, ExpressionSyntax sink, ExpressionSyntax buffer, string offsetText, CancellationToken cancellationToken)
            {
                var arguments = sink.Parent is ArgumentSyntax argument ? argument.Parent as ArgumentListSyntax : null;
                var target = arguments?.Parent is null ? null : model.GetSymbolInfo(arguments.Parent, cancellationToken).Symbol as IMethodSymbol;
                var length = Sibling(arguments, target, "len");
                if (length is not null)
                {
                    return StripCast(length).ToString();
                }

                if (arguments is not null && offsetText != "0")
                {
                    return null;
                }

                var whole = $"{buffer.WithoutTrivia()}.Length";
                return offsetText == "0" ? whole : $"{whole} - {Parenthesized(SyntaxFactory.ParseExpression(offsetText))}";
            }

            internal static StatementSyntax Statement(string text) => Names.Simplified(Statements.Parse(text));

            /// <summary>The <c>.Value</c> of every physical-address expression in <paramref name="body"/>, in source order.</summary>
            private static List<MemberAccessExpressionSyntax> RawAddressValues(SemanticModel model, BlockSyntax body, RuntimeSymbols symbols, CancellationToken cancellationToken) =>
                body.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
                    .Where(m => m.Name.Identifier.ValueText == "Value" && PhysicalOf(model, m.Expression, symbols, cancellationToken, out _, out _))
                    .ToList();

            /// <summary>
            /// A request that completes in the method that posts it: the descriptor is written at the top
            /// level of the method, and a later top-level statement hands the buffer's contents to the CPU
            /// (<c>buffer.Span</c>) — the device is done with it there — with no way out of the method
            /// in between. The unmap goes right before that statement. Whether the CPU reads the buffer there
            /// (rather than writes it) is evidence of what the device did with it.
            /// </summary>
            private static Completion? CompletionInMethod(SemanticModel model, BlockSyntax body, StatementSyntax statement, ExpressionSyntax buffer, CancellationToken cancellationToken)
            {
                if (statement.Parent != body)
                {
                    return null;
                }

                var access = buffer.WithoutTrivia() + ".Span";
                foreach (var next in body.Statements.SkipWhile(s => s != statement).Skip(1))
                {
                    var spans = next.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>().Where(m => m.ToString() == access).ToList();
                    if (spans.Count > 0)
                    {
                        return new Completion(next, spans.Any(s => !CpuFill.IsWritten(model, s, cancellationToken)));
                    }

                    if (next.DescendantNodesAndSelf().Any(n => n is ReturnStatementSyntax || n is ThrowStatementSyntax || n is YieldStatementSyntax || n is GotoStatementSyntax))
                    {
                        return null;
                    }
                }

                return null;
            }

            private sealed class Completion
            {
                public Completion(StatementSyntax statement, bool cpuReads)
                {
                    Statement = statement;
                    CpuReads = cpuReads;
                }

                public StatementSyntax Statement { get; }

                public bool CpuReads { get; }
            }

            /// <summary>The expression under its casts (a node of the same tree, so the semantic model still answers for it).</summary>
            internal static ExpressionSyntax StripCast(ExpressionSyntax expression)
            {
                while (true)
                {
                    switch (expression)
                    {
                        case CastExpressionSyntax cast:
                            expression = cast.Expression;
                            continue;
                        case ParenthesizedExpressionSyntax parenthesized when parenthesized.Expression is IdentifierNameSyntax || parenthesized.Expression is MemberAccessExpressionSyntax:
                            expression = parenthesized.Expression;
                            continue;
                        default:
                            return expression;
                    }
                }
            }

            /// <summary>The argument of the same call whose parameter name contains <paramref name="part"/> (len, flag).</summary>
            internal static ExpressionSyntax? Sibling(ArgumentListSyntax? arguments, IMethodSymbol? target, string part)
            {
                if (arguments is null || target is null)
                {
                    return null;
                }

                for (var i = 0; i < arguments.Arguments.Count && i < target.Parameters.Length; i++)
                {
                    var name = arguments.Arguments[i].NameColon?.Name.Identifier.ValueText ?? target.Parameters[i].Name;
                    if (name.IndexOf(part, System.StringComparison.OrdinalIgnoreCase) >= 0)
                    {
                        return arguments.Arguments[i].Expression;
                    }
                }

                return null;
            }
        }
    }
}
