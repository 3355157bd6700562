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

namespace DmaDiscipline.CodeFixes.Requests
{
    /// <summary>
    /// A token array indexed by descriptor id: the posting method stores <c>_data[head] = data</c>, a
    /// completion path clears <c>_data[head] = null</c>. The mappings go into a parallel array allocated
    /// with the same size, unmapped where the token is cleared.
    /// </summary>
    internal sealed class TokenArray : RequestState
    {
        private TokenArray(IFieldSymbol field, FieldDeclarationSyntax declaration, MethodDeclarationSyntax posting, ExpressionStatementSyntax store, ExpressionSyntax index, ArrayCreationExpressionSyntax allocation, IReadOnlyList<(ExpressionStatementSyntax Statement, ExpressionSyntax Index)> clears, MethodDeclarationSyntax? dispose)
            : base(posting, store, dispose)
        {
            Field = field;
            Declaration = declaration;
            Index = index;
            Allocation = allocation;
            Clears = clears;
        }

        public override string Name => Field.Name;

        private IFieldSymbol Field { get; }

        private FieldDeclarationSyntax Declaration { get; }

        private ExpressionSyntax Index { get; }

        /// <summary>The <c>new T[size]</c> that allocates the token array.</summary>
        private ArrayCreationExpressionSyntax Allocation { get; }

        private IReadOnlyList<(ExpressionStatementSyntax Statement, ExpressionSyntax Index)> Clears { get; }

        public static TokenArray? Match(SemanticModel model, TypeDeclarationSyntax type, MethodDeclarationSyntax method, ExpressionStatementSyntax store, CancellationToken cancellationToken)
        {
            if (!(store.Expression is AssignmentExpressionSyntax { Left: ElementAccessExpressionSyntax element } assignment)
                || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || IsCleared(assignment.Right)
                || !(model.GetSymbolInfo(element.Expression, cancellationToken).Symbol is IFieldSymbol field) || !(field.Type is IArrayTypeSymbol)
                || element.ArgumentList.Arguments.Count != 1
                || !Stable.IsStable(model, element.ArgumentList.Arguments[0].Expression, method, cancellationToken))
            {
                return null;
            }

            var clears = new List<(ExpressionStatementSyntax, ExpressionSyntax)>();
            ArrayCreationExpressionSyntax? allocation = null;
            foreach (var statement in type.DescendantNodes().OfType<ExpressionStatementSyntax>())
            {
                if (!(statement.Expression is AssignmentExpressionSyntax other) || !(statement.Parent is BlockSyntax))
                {
                    continue;
                }

                if (other.Left is ElementAccessExpressionSyntax cleared && cleared.ArgumentList.Arguments.Count == 1 && IsCleared(other.Right)
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(cleared.Expression, cancellationToken).Symbol, field))
                {
                    clears.Add((statement, cleared.ArgumentList.Arguments[0].Expression));
                }
                else if (other.Right is ArrayCreationExpressionSyntax created && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(other.Left, cancellationToken).Symbol, field))
                {
                    allocation = created;
                }
            }

            var declaration = DeclarationOf(field, method.SyntaxTree, cancellationToken);
            if (declaration?.Declaration.Variables[0].Initializer?.Value is ArrayCreationExpressionSyntax initial)
            {
                allocation = initial;
            }

            // Not the request's token (a count, an index) when nothing clears it.
            return clears.Count == 0 || allocation is null || allocation.Type.RankSpecifiers[0].Sizes.Count != 1 || declaration is null
                ? null
                : new TokenArray(field, declaration, method, store, element.ArgumentList.Arguments[0].Expression, allocation, clears, DisposeOf(type));
        }

        public override void Apply(DocumentEditor editor, SemanticModel model, string mappingsName, CancellationToken cancellationToken)
        {
            var fieldName = Names.Unique(Declaration.Parent!, Field.Name + "Mappings");
            var elementType = ListType + NullableMark(model, Declaration.SpanStart);
            var size = Allocation.Type.RankSpecifiers[0].Sizes[0].WithoutTrivia().ToString();
            var isInitializer = Allocation.Parent is EqualsValueClauseSyntax;
            var modifiers = string.Join(" ", Declaration.Modifiers.Select(m => m.ValueText));
            var declaration = $"{modifiers} {elementType}[] {fieldName}{(isInitializer ? $" = new {elementType}[{size}]" : string.Empty)};";
            var field = Names.Simplified((MemberDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(declaration)!)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine("\n"))
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.InsertAfter(Declaration, field);

            if (!isInitializer && Allocation.FirstAncestorOrSelf<ExpressionStatementSyntax>() is { } allocationStatement)
            {
                Statements.InsertAfter(editor, allocationStatement, new[] { Names.Simplified(Statements.Parse($"{fieldName} = new {elementType}[{size}];")) });
            }

            Statements.InsertAfter(editor, Store, new[] { Statements.Parse($"{fieldName}[{Index.WithoutTrivia()}] = {mappingsName};") });
            foreach (var (statement, index) in Clears)
            {
                var dma = DmaApiSource.At(model, statement, cancellationToken);
                if (dma is null)
                {
                    continue;
                }

                var released = ReleaseName(statement, Posting, mappingsName);
                var slot = $"{fieldName}[{index.WithoutTrivia()}]";
                Statements.InsertBefore(editor, statement, new[]
                {
                    Statements.Parse(ReleaseKept(dma, slot, released, statement)),
                });
            }

            if (Dispose?.Body is { } body && DmaApiSource.At(model, body, cancellationToken) is { } disposeDma)
            {
                var released = ReleaseName(body, Posting, mappingsName);
                var i = Names.Unique(Dispose, "i");
                PrependTo(editor, Dispose, Statements.Parse(
                    $"for (int {i} = 0; {i} < {fieldName}.Length; {i}++)\n{{\n{ReleaseKept(disposeDma, $"{fieldName}[{i}]", released, body)}\n}}"));
            }
        }
    }
}
