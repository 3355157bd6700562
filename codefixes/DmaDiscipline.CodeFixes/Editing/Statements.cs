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

            if (list.Count > 0 && statement.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
            {
                // The blank line that set the statement off now sets off the inserted code.
                list[0] = list[0].WithLeadingTrivia(list[0].GetLeadingTrivia().Insert(0, SyntaxFactory.EndOfLine(EndOfLineOf(statement))));
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

            if (statement.GetLastToken().IsKind(SyntaxKind.CloseBraceToken) && list.Count > 0)
            {
                // A statement after a block is set off by a blank line.
                list[0] = list[0].WithLeadingTrivia(list[0].GetLeadingTrivia().Insert(0, SyntaxFactory.EndOfLine(EndOfLineOf(statement))));
            }

            editor.InsertAfter(statement, list);
        }

        private static string EndOfLineOf(SyntaxNode node) =>
            node.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } eol ? eol : "\n";

        /// <summary>Inserts <paramref name="before"/> and <paramref name="after"/> around <paramref name="statement"/> in one edit.</summary>
        public static void InsertAround(DocumentEditor editor, StatementSyntax statement, IEnumerable<StatementSyntax> before, IEnumerable<StatementSyntax> after)
        {
            var first = before.Select(Annotate).ToList();
            var last = after.Select(Annotate).ToList();
            if (IsEmbedded(statement))
            {
                editor.ReplaceNode(statement, (current, _) => SyntaxFactory.Block(first.Concat(new[] { (StatementSyntax)current }).Concat(last)).WithAdditionalAnnotations(Formatter.Annotation));
                return;
            }

            if (first.Count > 0)
            {
                if (statement.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
                {
                    // As in InsertBefore: the blank line that set the statement off now sets off the inserted code.
                    first[0] = first[0].WithLeadingTrivia(first[0].GetLeadingTrivia().Insert(0, SyntaxFactory.EndOfLine(EndOfLineOf(statement))));
                }

                editor.InsertBefore(statement, first);
            }

            if (last.Count > 0)
            {
                editor.InsertAfter(statement, last);
            }
        }

        public static StatementSyntax Parse(string text) => Annotate(SyntaxFactory.ParseStatement(text));

        private static StatementSyntax Annotate(StatementSyntax statement) =>
            statement.WithAdditionalAnnotations(Formatter.Annotation).WithTrailingTrivia(SyntaxFactory.ElasticLineFeed);

        private static bool IsEmbedded(StatementSyntax statement) =>
            !(statement.Parent is BlockSyntax) && !(statement.Parent is SwitchSectionSyntax) && !(statement.Parent is GlobalStatementSyntax)
            && !(statement.Parent is LabeledStatementSyntax) && statement.Parent is StatementSyntax or ElseClauseSyntax;
    }
}
