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
            public static PlannedFix? Plan(SemanticModel model, ExpressionSyntax sink, ExpressionSyntax source, ExpressionSyntax buffer, ExpressionSyntax? offset, RuntimeSymbols symbols, CancellationToken cancellationToken)
            {
                var statement = sink.FirstAncestorOrSelf<StatementSyntax>();
                var method = sink.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>();
                var body = method?.Body;
                if (statement is null || body is null || !(statement.Parent is BlockSyntax) || !(method is MethodDeclarationSyntax)
                    || !(source.Parent is MemberAccessExpressionSyntax value) || value.Name.Identifier.ValueText != "Value")
                {
                    return null;
                }

                // addr = phys.Value [+ offset]
                string offsetText;
                if (sink == value)
                {
                    offsetText = offset?.WithoutTrivia().ToString() ?? "0";
                }
                else if (sink is BinaryExpressionSyntax add && add.IsKind(SyntaxKind.AddExpression) && add.Left == value && offset is null)
                {
                    offsetText = StripCast(add.Right).ToString();
                }
                else
                {
                    return null;
                }

                var arguments = sink.Parent is ArgumentSyntax argument ? argument.Parent as ArgumentListSyntax : null;
                var target = arguments?.Parent is null ? null : model.GetSymbolInfo(arguments.Parent, cancellationToken).Symbol as IMethodSymbol;
                var length = Sibling(arguments, target, "len");
                var lengthText = length is not null ? StripCast(length).ToString() : offsetText == "0" ? $"{buffer.WithoutTrivia()}.Length" : null;
                var dma = DmaApiSource.At(model, statement, cancellationToken);
                var failure = FailureStyle.For(model, statement, "DMA mapping failed", cancellationToken);
                if (lengthText is null || dma is null || failure is null
                    || !Stable.IsInScope(model, buffer, statement.SpanStart, cancellationToken))
                {
                    return null;
                }

                // Both ways only when both are evident: a device-writable descriptor over the whole buffer the CPU has just filled.
                var cpuFilled = offsetText == "0" && CpuFill.Before(model, buffer, statement, cancellationToken);
                var direction = Direction(model, Sibling(arguments, target, "flag"), statement, cpuFilled, cancellationToken);
                if (direction is null)
                {
                    return null;
                }

                // Fix All maps every raw address of the method at once: each site's names carry its place among them.
                var sites = RawAddressValues(model, body, symbols, cancellationToken);
                var ordinal = sites.IndexOf(value);
                var suffix = ordinal > 0 ? (ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;
                var directionName = Names.Unique(method!, "dmaDirection" + suffix);
                var addressName = Names.Unique(method!, "dmaAddress" + suffix);
                var mappingsName = Names.Unique(method!, "dmaMappings" + suffix);

                // One request list per method: with several maps (fixed or not) the state would be arranged twice.
                var maps = body.DescendantNodes().OfType<InvocationExpressionSyntax>().Count(c => MapCall.From(model, c, cancellationToken) is { IsStreaming: true });
                var bookkeeping = sites.Count + maps == 1 ? RequestState.Find(model, (MethodDeclarationSyntax)method!, statement, cancellationToken) : null;
                var mapping = new List<StatementSyntax>
                {
                    Statement($"DmaDiscipline.Runtime.DmaDirection {directionName} = {direction};"),
                    Statement($"DmaDiscipline.Runtime.DmaAddr {addressName} = {dma}.MapSingle({buffer.WithoutTrivia()}, {offsetText}, {lengthText}, {directionName});"),
                };
                var newSink = SyntaxFactory.ParseExpression($"{addressName}.Value").WithTriviaFrom(sink);
                if (bookkeeping is null && CompletionInMethod(body, statement, buffer) is { } completion)
                {
                    mapping.Add(MappingErrorCheckFixer.CheckStatement(dma, addressName, failure));
                    var unmap = Statement($"{dma}.UnmapSingle({addressName}, {lengthText}, {directionName});");
                    return new PlannedFix(
                        "Map through the DMA API and unmap before the CPU reads the result",
                        MapInMethodKey,
                        "map@" + sink.SpanStart,
                        editor =>
                        {
                            Statements.InsertBefore(editor, statement, mapping);
                            editor.ReplaceNode(sink, newSink);
                            Statements.InsertBefore(editor, completion, new[] { unmap });
                        });
                }

                if (bookkeeping is null)
                {
                    mapping.Add(MappingErrorCheckFixer.CheckStatement(dma, addressName, failure));
                    return new PlannedFix(
                        MapOnlyTitle,
                        MapOnlyKey,
                        "map@" + sink.SpanStart,
                        editor =>
                        {
                            Statements.InsertBefore(editor, statement, mapping);
                            editor.ReplaceNode(sink, newSink);
                        });
                }

                var each = Names.Unique(method!, "mapping");
                var unmapAll = $"foreach (var {each} in {mappingsName})\n{{\n{dma}.UnmapSingle({each}.Address, {each}.Length, {each}.Direction);\n}}";
                var failed = SyntaxFactory.Block(Statement(unmapAll), failure);
                mapping.Add(SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{dma}.MappingError({addressName})"), failed).WithAdditionalAnnotations(Formatter.Annotation));
                mapping.Add(Statement($"{mappingsName}.Add(({addressName}, {lengthText}, {directionName}));"));
                var outer = statement.AncestorsAndSelf().OfType<StatementSyntax>().First(s => s.Parent == body);
                var declareList = Statement($"var {mappingsName} = new {RequestState.ListType}();");
                return new PlannedFix(
                    $"Map through the DMA API and unmap where '{bookkeeping.Name}' is released",
                    MapKey,
                    "map@" + sink.SpanStart,
                    editor =>
                    {
                        if (outer == statement)
                        {
                            Statements.InsertBefore(editor, statement, new[] { declareList }.Concat(mapping));
                        }
                        else
                        {
                            Statements.InsertBefore(editor, outer, new[] { declareList });
                            Statements.InsertBefore(editor, statement, mapping);
                        }

                        editor.ReplaceNode(sink, newSink);
                        bookkeeping.Apply(editor, model, mappingsName, cancellationToken);
                    });
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
            /// in between. The unmap goes right before that statement.
            /// </summary>
            private static StatementSyntax? CompletionInMethod(BlockSyntax body, StatementSyntax statement, ExpressionSyntax buffer)
            {
                if (statement.Parent != body)
                {
                    return null;
                }

                var access = buffer.WithoutTrivia() + ".Span";
                foreach (var next in body.Statements.SkipWhile(s => s != statement).Skip(1))
                {
                    if (next.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>().Any(m => m.ToString() == access))
                    {
                        return next;
                    }

                    if (next.DescendantNodesAndSelf().Any(n => n is ReturnStatementSyntax || n is ThrowStatementSyntax || n is YieldStatementSyntax || n is GotoStatementSyntax))
                    {
                        return null;
                    }
                }

                return null;
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

            /// <summary>
            /// The direction the descriptor's flags say: a device-writable (Write) descriptor is FromDevice —
            /// Bidirectional when <paramref name="cpuFilled"/> (the CPU wrote the whole mapped buffer before
            /// posting it, so the device reads it too) — others ToDevice; a Write chosen by a condition gives
            /// the same condition over the two directions.
            /// </summary>
            internal static string? Direction(SemanticModel model, ExpressionSyntax? flags, StatementSyntax statement, bool cpuFilled, CancellationToken cancellationToken)
            {
                var deviceWrites = cpuFilled ? "DmaDiscipline.Runtime.DmaDirection.Bidirectional" : "DmaDiscipline.Runtime.DmaDirection.FromDevice";
                const string ToDevice = "DmaDiscipline.Runtime.DmaDirection.ToDevice";
                if (flags is null)
                {
                    return ToDevice;
                }

                var expression = StripCast(flags);
                if (expression is IdentifierNameSyntax name && model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local
                    && local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: { } initializer } declarator
                    && declarator.SpanStart < statement.SpanStart && !Stable.IsWritten(model, local, statement.Parent!, cancellationToken))
                {
                    expression = initializer.Value;
                }

                foreach (var conditional in expression.DescendantNodesAndSelf().OfType<ConditionalExpressionSyntax>())
                {
                    var writeWhenTrue = NamesWrite(conditional.WhenTrue);
                    var writeWhenFalse = NamesWrite(conditional.WhenFalse);
                    if (writeWhenTrue == writeWhenFalse)
                    {
                        continue;
                    }

                    if (!Stable.IsInScope(model, conditional.Condition, statement.SpanStart, cancellationToken))
                    {
                        return null;
                    }

                    var condition = conditional.Condition.WithoutTrivia();
                    return writeWhenTrue ? $"{condition} ? {deviceWrites} : {ToDevice}" : $"{condition} ? {ToDevice} : {deviceWrites}";
                }

                return NamesWrite(expression) ? deviceWrites : ToDevice;
            }

            private static bool NamesWrite(ExpressionSyntax expression) =>
                expression.DescendantNodesAndSelf().OfType<SimpleNameSyntax>().Any(n => string.Equals(n.Identifier.ValueText, "Write", System.StringComparison.OrdinalIgnoreCase)
                    && !(n.Parent is InvocationExpressionSyntax) && !(n.Parent is MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax }));
        }
    }
}
