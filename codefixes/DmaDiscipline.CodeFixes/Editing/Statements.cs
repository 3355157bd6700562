using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>Inserting statements next to a statement, wherever it stands (a block, a switch section, or alone as an if/loop body).</summary>
    internal static class Statements
    {
        /// <summary>True when statements can be inserted before or after <paramref name="statement"/>.</summary>
        public static bool CanInsertAround(StatementSyntax statement) =>
            statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax || IsEmbedded(statement);

        public static void InsertBefore(DocumentEditor editor, StatementSyntax statement, IEnumerable<StatementSyntax> inserted)
        {
            var list = inserted.Select(Annotate).ToList();
            if (IsEmbedded(statement))
            {
                editor.ReplaceNode(statement, (current, _) => SyntaxFactory.Block(list.Concat(new[] { (StatementSyntax)current })).WithAdditionalAnnotations(Formatter.Annotation));
                return;
            }

            editor.InsertBefore(statement, list);
        }

        public static void InsertAfter(DocumentEditor editor, StatementSyntax statement, IEnumerable<StatementSyntax> inserted)
        {
            var list = inserted.Select(Annotate).ToList();
            if (IsEmbedded(statement))
            {
                editor.ReplaceNode(statement, (current, _) => SyntaxFactory.Block(new[] { (StatementSyntax)current }.Concat(list)).WithAdditionalAnnotations(Formatter.Annotation));
                return;
            }

            editor.InsertAfter(statement, list);
        }

        public static StatementSyntax Parse(string text) => Annotate(SyntaxFactory.ParseStatement(text));

        private static StatementSyntax Annotate(StatementSyntax statement) =>
            statement.WithAdditionalAnnotations(Formatter.Annotation).WithTrailingTrivia(SyntaxFactory.ElasticLineFeed);

        private static bool IsEmbedded(StatementSyntax statement) =>
            !(statement.Parent is BlockSyntax) && !(statement.Parent is SwitchSectionSyntax) && !(statement.Parent is GlobalStatementSyntax)
            && !(statement.Parent is LabeledStatementSyntax) && statement.Parent is StatementSyntax or ElseClauseSyntax;
    }
}
