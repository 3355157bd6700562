using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// A map whose length is computed (<c>Math.Min(len, max)</c>, a call, anything not stable): an unmap or sync must
    /// pass the same length, and writing the expression again could evaluate to another value or repeat a side
    /// effect. The length is kept in a local declared right before the map statement and the map call passes that
    /// local — evaluated once, and in the same order relative to the call's other operands. Only where that order
    /// provably does not change: the call runs whenever its statement runs (a declaration of one variable or a plain
    /// assignment, not under <c>?:</c>, <c>&amp;&amp;</c> or a lambda), what the call evaluates before the length (the
    /// receiver, earlier arguments, an assigned variable) is stable, and the length itself assigns nothing.
    /// Otherwise no local, and the fixes that need the length offer nothing (the rule pages list this).
    /// </summary>
    internal sealed class LengthLocal
    {
        /// <summary>Which maps an editor (one fix, or one Fix All round) has already given their local.</summary>
        private static readonly ConditionalWeakTable<DocumentEditor, HashSet<int>> Done = new ConditionalWeakTable<DocumentEditor, HashSet<int>>();

        private readonly MapCall _map;
        private readonly ExpressionSyntax _length;
        private readonly StatementSyntax _declaration;

        private LengthLocal(MapCall map, ExpressionSyntax length, string name, StatementSyntax declaration)
        {
            _map = map;
            _length = length;
            Name = name;
            _declaration = declaration;
        }

        /// <summary>The local's name: what an unmap or sync passes as the length.</summary>
        public string Name { get; }

        public static LengthLocal? For(SemanticModel model, MapCall map, SyntaxNode member, CancellationToken cancellationToken)
        {
            var length = map.Length;
            if (length is null || !(map.Statement.Parent is BlockSyntax) || !RunsWithStatement(map)
                || !Stable.IsStable(model, map.Receiver, member, cancellationToken)
                || map.Statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } && !(assignment.Left is IdentifierNameSyntax) && !Stable.IsStable(model, assignment.Left, member, cancellationToken)
                || length.DescendantNodesAndSelf().Any(n => n is AssignmentExpressionSyntax || n is AwaitExpressionSyntax || n is AnonymousFunctionExpressionSyntax
                    || n.IsKind(SyntaxKind.PreIncrementExpression) || n.IsKind(SyntaxKind.PreDecrementExpression)
                    || n.IsKind(SyntaxKind.PostIncrementExpression) || n.IsKind(SyntaxKind.PostDecrementExpression)
                    || n is ArgumentSyntax { RefKindKeyword: { } kind } && !kind.IsKind(SyntaxKind.None)))
            {
                return null;
            }

            // The operands evaluated before the length, in source order, must not change when the length is evaluated first.
            foreach (var argument in map.Call.ArgumentList.Arguments)
            {
                if (argument.Expression == length)
                {
                    break;
                }

                if (!argument.RefKindKeyword.IsKind(SyntaxKind.None) || !Stable.IsStable(model, argument.Expression, member, cancellationToken))
                {
                    return null;
                }
            }

            var type = model.GetTypeInfo(length, cancellationToken).ConvertedType;
            if (type is null || type.TypeKind == TypeKind.Error)
            {
                return null;
            }

            var handle = map.Handle is IdentifierNameSyntax name ? name.Identifier.ValueText : "mapped";
            var local = Names.Unique(member, handle + "Length");
            var declaration = Names.Simplified(Statements.Parse($"{type.ToDisplayString()} {local} = {length.WithoutTrivia()};"));
            return new LengthLocal(map, length, local, declaration);
        }

        /// <summary>Whether the local, declared before the map statement, is visible at <paramref name="position"/>.</summary>
        public bool VisibleAt(int position) =>
            _map.Statement.Parent is BlockSyntax block && position > _map.Statement.Span.End - 1 && position < block.CloseBraceToken.SpanStart;

        /// <summary>Declares the local and passes it to the map call; once per editor, however many fixes of this map it applies.</summary>
        public void Apply(DocumentEditor editor)
        {
            if (!Done.GetOrCreateValue(editor).Add(_map.Call.SpanStart))
            {
                return;
            }

            Statements.InsertBefore(editor, _map.Statement, new[] { _declaration });
            editor.ReplaceNode(_length, SyntaxFactory.IdentifierName(Name).WithTriviaFrom(_length));
        }

        private static bool RunsWithStatement(MapCall map)
        {
            SyntaxNode node = map.Call;
            while (node != map.Statement)
            {
                var parent = node.Parent;
                var direct = parent switch
                {
                    ParenthesizedExpressionSyntax _ => true,
                    CastExpressionSyntax _ => true,
                    EqualsValueClauseSyntax _ => true,
                    VariableDeclaratorSyntax _ => true,
                    VariableDeclarationSyntax declaration => declaration.Variables.Count == 1,
                    LocalDeclarationStatementSyntax _ => true,
                    AssignmentExpressionSyntax assignment => assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == node,
                    ExpressionStatementSyntax _ => true,
                    _ => false,
                };
                if (!direct || parent is null)
                {
                    return false;
                }

                node = parent;
            }

            return true;
        }
    }
}
