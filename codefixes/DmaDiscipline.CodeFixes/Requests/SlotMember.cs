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
    /// Per-descriptor records: an array field of a class or struct declared in the same file, the posting
    /// method stores the request in one of its members (<c>_slots[head].Token = token</c>) and a completion
    /// path clears it (<c>_slots[head].Token = null</c>). The record type gets a <c>DmaMappings</c> member
    /// beside the token, unmapped where the token is cleared and in <c>Dispose</c>.
    /// A readonly struct cannot take the new member, so it is not this shape.
    /// </summary>
    internal sealed class SlotMember : RequestState
    {
        private SlotMember(IFieldSymbol array, ISymbol member, TypeDeclarationSyntax record, bool isStruct, MethodDeclarationSyntax posting, ExpressionStatementSyntax store, ExpressionSyntax index, IReadOnlyList<(ExpressionStatementSyntax Statement, ExpressionSyntax Index)> clears, MethodDeclarationSyntax? dispose)
            : base(posting, store, dispose)
        {
            Array = array;
            Member = member;
            Record = record;
            IsStruct = isStruct;
            Index = index;
            Clears = clears;
        }

        public override string Name => $"{Array.Name}[…].{Member.Name}";

        private IFieldSymbol Array { get; }

        private ISymbol Member { get; }

        /// <summary>The declaration of the record type the new member goes into.</summary>
        private TypeDeclarationSyntax Record { get; }

        private bool IsStruct { get; }

        private ExpressionSyntax Index { get; }

        private IReadOnlyList<(ExpressionStatementSyntax Statement, ExpressionSyntax Index)> Clears { get; }

        public static SlotMember? Match(SemanticModel model, TypeDeclarationSyntax type, MethodDeclarationSyntax method, ExpressionStatementSyntax store, CancellationToken cancellationToken)
        {
            if (!(store.Expression is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax { Expression: ElementAccessExpressionSyntax element } access } assignment)
                || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || IsCleared(assignment.Right)
                || element.ArgumentList.Arguments.Count != 1
                || !(model.GetSymbolInfo(element.Expression, cancellationToken).Symbol is IFieldSymbol array)
                || !(array.Type is IArrayTypeSymbol { Rank: 1, ElementType: INamedTypeSymbol recordType })
                || !(model.GetSymbolInfo(access, cancellationToken).Symbol is { } member) || !(member is IFieldSymbol || member is IPropertySymbol)
                || !Stable.IsStable(model, element.ArgumentList.Arguments[0].Expression, method, cancellationToken))
            {
                return null;
            }

            var isStruct = recordType.TypeKind == TypeKind.Struct;
            if (!(recordType.TypeKind == TypeKind.Class || isStruct && !recordType.IsReadOnly)
                || recordType.DeclaringSyntaxReferences.Length != 1
                || !(recordType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is TypeDeclarationSyntax record)
                || record.SyntaxTree != method.SyntaxTree)
            {
                return null;
            }

            var clears = new List<(ExpressionStatementSyntax, ExpressionSyntax)>();
            foreach (var statement in type.DescendantNodes().OfType<ExpressionStatementSyntax>())
            {
                if (statement.Parent is BlockSyntax
                    && statement.Expression is AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax { Expression: ElementAccessExpressionSyntax cleared } clearedAccess } other
                    && IsCleared(other.Right) && cleared.ArgumentList.Arguments.Count == 1
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(cleared.Expression, cancellationToken).Symbol, array)
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(clearedAccess, cancellationToken).Symbol, member))
                {
                    clears.Add((statement, cleared.ArgumentList.Arguments[0].Expression));
                }
            }

            return clears.Count == 0
                ? null
                : new SlotMember(array, member, record, isStruct, method, store, element.ArgumentList.Arguments[0].Expression, clears, DisposeOf(type));
        }

        public override void Apply(DocumentEditor editor, SemanticModel model, string mappingsName, CancellationToken cancellationToken)
        {
            var memberName = Names.Unique(Record, "DmaMappings");
            var field = Names.Simplified((MemberDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration($"public {ListType}{NullableMark(model, Record.SpanStart)} {memberName};")!)
                .WithAdditionalAnnotations(Formatter.Annotation);
            editor.AddMember(Record, field);
            Statements.InsertAfter(editor, Store, new[] { Statements.Parse($"{Array.Name}[{Index.WithoutTrivia()}].{memberName} = {mappingsName};") });

            foreach (var (statement, index) in Clears)
            {
                if (DmaApiSource.At(model, statement, cancellationToken) is { } dma)
                {
                    var released = ReleaseName(statement, Posting, mappingsName);
                    var kept = $"{Array.Name}[{index.WithoutTrivia()}].{memberName}";
                    Statements.InsertBefore(editor, statement, new[]
                    {
                        Statements.Parse(ReleaseKept(dma, kept, released, statement)),
                    });
                }
            }

            if (Dispose?.Body is { } body && DmaApiSource.At(model, body, cancellationToken) is { } disposeDma)
            {
                var released = ReleaseName(body, Posting, mappingsName);
                var i = Names.Unique(Dispose, "i");
                var slot = Names.Unique(Dispose, "slot");
                // A struct element is changed in place; a class element may be missing from its slot.
                var release = IsStruct
                    ? ReleaseKept(disposeDma, $"{Array.Name}[{i}].{memberName}", released, body)
                    : $"if ({Array.Name}[{i}] is {{ {memberName}: {{ }} {released} }} {slot})\n{{\n{UnmapEach(disposeDma, released, body)}\n\n{slot}.{memberName} = null;\n}}";
                PrependTo(editor, Dispose, Statements.Parse($"for (int {i} = 0; {i} < {Array.Name}.Length; {i}++)\n{{\n{release}\n}}"));
            }
        }
    }
}
