using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using DmaDiscipline.CodeFixes.Mapping;
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
            private const string ListType = "System.Collections.Generic.List<" + MappingTupleQualified + ">";
            private const string MappingTupleQualified = "(DmaDiscipline.Runtime.DmaAddr Address, int Length, DmaDiscipline.Runtime.DmaDirection Direction)";

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

                var directionName = Names.Unique(method!, "dmaDirection");
                var addressName = Names.Unique(method!, "dmaAddress");
                var mappingsName = Names.Unique(method!, "dmaMappings");
                var bookkeeping = Bookkeeping.Find(model, (MethodDeclarationSyntax)method!, statement, cancellationToken);
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

                var unmapAll = $"foreach (var mapping in {mappingsName})\n{{\n{dma}.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);\n}}";
                var failed = SyntaxFactory.Block(Statement(unmapAll), failure);
                mapping.Add(SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression($"{dma}.MappingError({addressName})"), failed).WithAdditionalAnnotations(Formatter.Annotation));
                mapping.Add(Statement($"{mappingsName}.Add(({addressName}, {lengthText}, {directionName}));"));
                var outer = statement.AncestorsAndSelf().OfType<StatementSyntax>().First(s => s.Parent == body);
                var declareList = Statement($"var {mappingsName} = new {ListType}();");
                return new PlannedFix(
                    $"Map through the DMA API and unmap where '{bookkeeping.Field.Name}' is released",
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

            private static StatementSyntax Statement(string text) => Names.Simplified(Statements.Parse(text));

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
            private static ExpressionSyntax StripCast(ExpressionSyntax expression)
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
            private static ExpressionSyntax? Sibling(ArgumentListSyntax? arguments, IMethodSymbol? target, string part)
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
            private static string? Direction(SemanticModel model, ExpressionSyntax? flags, StatementSyntax statement, bool cpuFilled, CancellationToken cancellationToken)
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

        /// <summary>
        /// The per-request state a method already keeps: an array field the method stores a token in
        /// (<c>_data[head] = data</c>) and that a completion path clears (<c>_data[head] = null</c>).
        /// The mappings of the request are kept in a parallel array and unmapped where the token is cleared.
        /// </summary>
        private sealed class Bookkeeping
        {
            private Bookkeeping(IFieldSymbol field, FieldDeclarationSyntax declaration, ExpressionStatementSyntax store, ExpressionSyntax storeIndex, ExpressionSyntax? allocation, IReadOnlyList<(ExpressionStatementSyntax Statement, ExpressionSyntax Index)> clears, MethodDeclarationSyntax? dispose)
            {
                Field = field;
                Declaration = declaration;
                Store = store;
                StoreIndex = storeIndex;
                Allocation = allocation;
                Clears = clears;
                Dispose = dispose;
            }

            public IFieldSymbol Field { get; }

            private FieldDeclarationSyntax Declaration { get; }

            private ExpressionStatementSyntax Store { get; }

            private ExpressionSyntax StoreIndex { get; }

            /// <summary>The <c>new T[size]</c> that allocates the token array.</summary>
            private ExpressionSyntax? Allocation { get; }

            private IReadOnlyList<(ExpressionStatementSyntax Statement, ExpressionSyntax Index)> Clears { get; }

            private MethodDeclarationSyntax? Dispose { get; }

            public static Bookkeeping? Find(SemanticModel model, MethodDeclarationSyntax method, StatementSyntax sink, CancellationToken cancellationToken)
            {
                var type = method.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                if (type is null || method.Body is null)
                {
                    return null;
                }

                foreach (var store in method.Body.Statements.OfType<ExpressionStatementSyntax>().Where(s => s.SpanStart > sink.Span.End))
                {
                    if (!(store.Expression is AssignmentExpressionSyntax { Left: ElementAccessExpressionSyntax element } assignment)
                        || assignment.Right.IsKind(SyntaxKind.NullLiteralExpression)
                        || !(model.GetSymbolInfo(element.Expression, cancellationToken).Symbol is IFieldSymbol field) || !(field.Type is IArrayTypeSymbol)
                        || element.ArgumentList.Arguments.Count != 1
                        || !(element.ArgumentList.Arguments[0].Expression is IdentifierNameSyntax index))
                    {
                        continue;
                    }

                    var clears = new List<(ExpressionStatementSyntax, ExpressionSyntax)>();
                    ExpressionSyntax? allocation = null;
                    foreach (var statement in type.DescendantNodes().OfType<ExpressionStatementSyntax>())
                    {
                        if (!(statement.Expression is AssignmentExpressionSyntax other) || !(statement.Parent is BlockSyntax))
                        {
                            continue;
                        }

                        if (other.Left is ElementAccessExpressionSyntax cleared && cleared.ArgumentList.Arguments.Count == 1
                            && (other.Right.IsKind(SyntaxKind.NullLiteralExpression) || other.Right.IsKind(SyntaxKind.DefaultLiteralExpression))
                            && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(cleared.Expression, cancellationToken).Symbol, field))
                        {
                            clears.Add((statement, cleared.ArgumentList.Arguments[0].Expression));
                        }
                        else if (other.Right is ArrayCreationExpressionSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(other.Left, cancellationToken).Symbol, field))
                        {
                            allocation = other.Right;
                        }
                    }

                    var declarator = field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as VariableDeclaratorSyntax;
                    if (declarator?.Initializer?.Value is ArrayCreationExpressionSyntax initial)
                    {
                        allocation = initial;
                    }

                    var declaration = declarator?.FirstAncestorOrSelf<FieldDeclarationSyntax>();
                    if (clears.Count == 0 || allocation is null || declaration is null || declaration.SyntaxTree != method.SyntaxTree || declaration.Declaration.Variables.Count != 1)
                    {
                        // Not the request's token (a count, an index): look further.
                        continue;
                    }

                    var dispose = type.Members.OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.Identifier.ValueText == "Dispose" && m.ParameterList.Parameters.Count == 0 && m.Body is not null);
                    return new Bookkeeping(field, declaration, store, index, allocation, clears, dispose);
                }

                return null;
            }

            public void Apply(DocumentEditor editor, SemanticModel model, string mappingsName, CancellationToken cancellationToken)
            {
                var fieldName = Field.Name + "Mappings";
                var nullable = model.GetNullableContext(Declaration.SpanStart).AnnotationsEnabled() ? "?" : string.Empty;
                var elementType = $"System.Collections.Generic.List<(DmaDiscipline.Runtime.DmaAddr Address, int Length, DmaDiscipline.Runtime.DmaDirection Direction)>{nullable}";
                var size = Allocation is ArrayCreationExpressionSyntax creation ? creation.Type.RankSpecifiers[0].Sizes[0].WithoutTrivia().ToString() : "0";
                var isInitializer = Allocation?.Parent is EqualsValueClauseSyntax;
                var modifiers = string.Join(" ", Declaration.Modifiers.Select(m => m.ValueText));
                var declaration = $"{modifiers} {elementType}[] {fieldName}{(isInitializer ? $" = new {elementType}[{size}]" : string.Empty)};";
                var field = Names.Simplified((MemberDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(declaration)!)
                    .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                editor.InsertAfter(Declaration, field);

                if (!isInitializer && Allocation?.FirstAncestorOrSelf<ExpressionStatementSyntax>() is { } allocationStatement)
                {
                    Statements.InsertAfter(editor, allocationStatement, new[] { Names.Simplified(Statements.Parse($"{fieldName} = new {elementType}[{size}];")) });
                }

                Statements.InsertAfter(editor, Store, new[] { Statements.Parse($"{fieldName}[{StoreIndex}] = {mappingsName};") });
                foreach (var (statement, index) in Clears)
                {
                    var dma = DmaApiSource.At(model, statement, cancellationToken);
                    if (dma is null)
                    {
                        continue;
                    }

                    Statements.InsertBefore(editor, statement, new[]
                    {
                        Statements.Parse($"if ({fieldName}[{index}] is {{ }} {mappingsName})\n{{\nforeach (var mapping in {mappingsName})\n{{\n{dma}.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);\n}}\n\n{fieldName}[{index}] = null;\n}}"),
                    });
                }

                if (Dispose?.Body is { } body && DmaApiSource.At(model, body, cancellationToken) is { } disposeDma)
                {
                    var release = Statements.Parse(
                        $"for (int i = 0; i < {fieldName}.Length; i++)\n{{\nif ({fieldName}[i] is {{ }} {mappingsName})\n{{\nforeach (var mapping in {mappingsName})\n{{\n{disposeDma}.UnmapSingle(mapping.Address, mapping.Length, mapping.Direction);\n}}\n\n{fieldName}[i] = null;\n}}\n}}");
                    if (body.Statements.Count > 0)
                    {
                        Statements.InsertBefore(editor, body.Statements[0], new[] { release });
                    }
                }
            }
        }
    }
}
