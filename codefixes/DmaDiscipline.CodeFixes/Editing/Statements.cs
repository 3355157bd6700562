using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>Inserting statements next to a statement, wherever it stands (a block, a switch section, alone as an if/loop body, or a program's top-level statements).</summary>
    internal static class Statements
    {
        /// <summary>The statements whose directives an edit of the editor already moved to code inserted before them.</summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DocumentEditor, HashSet<StatementSyntax>> DirectivesMoved =
            new System.Runtime.CompilerServices.ConditionalWeakTable<DocumentEditor, HashSet<StatementSyntax>>();

        /// <summary>True when statements can be inserted before or after <paramref name="statement"/>.</summary>
        public static bool CanInsertAround(StatementSyntax statement) =>
            statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax || statement.Parent is GlobalStatementSyntax || IsEmbedded(statement);

        public static void InsertBefore(DocumentEditor editor, StatementSyntax statement, IEnumerable<StatementSyntax> inserted)
        {
            var list = inserted.Select(Annotate).ToList();
            if (IsEmbedded(statement))
            {
                editor.ReplaceNode(statement, (current, _) => SyntaxFactory.Block(list.Concat(new[] { (StatementSyntax)current })).WithAdditionalAnnotations(Formatter.Annotation));
                return;
            }

            if (list.Count > 0 && !TakeDirectives(editor, statement, list) && StartsWithBlankLine(statement))
            {
                // The blank line that set the statement off now sets off the inserted code.
                list[0] = list[0].WithLeadingTrivia(list[0].GetLeadingTrivia().Insert(0, SyntaxFactory.EndOfLine(EndOfLineOf(statement))));
            }

            InsertNodesBefore(editor, statement, list);
        }

        /// <summary>
        /// True when a blank line sets <paramref name="statement"/> off: its leading trivia breaks a line before anything but
        /// whitespace. The line end of a comment above the statement is not a blank line.
        /// </summary>
        private static bool StartsWithBlankLine(StatementSyntax statement)
        {
            foreach (var trivia in statement.GetLeadingTrivia())
            {
                if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    return true;
                }

                if (!trivia.IsKind(SyntaxKind.WhitespaceTrivia))
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>
        /// A statement whose leading trivia holds preprocessor directives (<c>#if</c>, <c>#else</c>, <c>#region</c>…) is the
        /// first of the code they govern: code inserted before it belongs after them, in the same branch or region. The
        /// trivia up to the last directive (with the blank lines and comments before it) moves to the first inserted
        /// statement; the statement keeps what follows. Inserted in front of the directives, a map would run in every
        /// configuration while the descriptor it serves is compiled in one.
        /// </summary>
        private static bool TakeDirectives(DocumentEditor editor, StatementSyntax statement, List<StatementSyntax> list)
        {
            var moved = DirectivesMoved.GetOrCreateValue(editor);
            if (moved.Contains(statement))
            {
                // Fix All: an earlier insertion before this statement took its directives; this one lands after that code.
                return true;
            }

            var leading = statement.GetLeadingTrivia();
            var last = -1;
            for (var i = 0; i < leading.Count; i++)
            {
                if (leading[i].IsDirective || leading[i].IsKind(SyntaxKind.DisabledTextTrivia))
                {
                    last = i;
                }
            }

            if (last < 0)
            {
                return false;
            }

            moved.Add(statement);
            var head = leading.Take(last + 1);
            var tail = SyntaxFactory.TriviaList(leading.Skip(last + 1));
            list[0] = list[0].WithLeadingTrivia(head.Concat(list[0].GetLeadingTrivia()));
            editor.ReplaceNode(statement, (current, _) => current.WithLeadingTrivia(tail));
            return true;
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

            InsertNodesAfter(editor, statement, list);
        }

        // A top-level statement stands in a global statement of the compilation unit: the new ones are global statements beside it.
        private static void InsertNodesBefore(DocumentEditor editor, StatementSyntax statement, List<StatementSyntax> list)
        {
            if (statement.Parent is GlobalStatementSyntax global)
            {
                if (list.Count > 0 && StartsWithBlankLine(statement) && list[0].GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
                {
                    // The blank line that set the statement off went to the inserted code (InsertBefore): it leaves the statement.
                    editor.ReplaceNode(global, (current, _) => current.WithLeadingTrivia(WithoutFirstBlankLine(current.GetLeadingTrivia())));
                }

                editor.InsertBefore(global, AsGlobal(list, statement, statement));
                return;
            }

            editor.InsertBefore(statement, list);
        }

        private static void InsertNodesAfter(DocumentEditor editor, StatementSyntax statement, List<StatementSyntax> list)
        {
            if (statement.Parent is GlobalStatementSyntax global)
            {
                editor.InsertAfter(global, AsGlobal(list, statement, NextGlobal(global)));
                return;
            }

            editor.InsertAfter(statement, list);
        }

        // The formatter sets global statements apart with blank lines, as members: the new ones come laid out already (at
        // the top level's indentation, in spaces; a tab-indented file is converted with the rest of the fix).
        // A block among them is set off from what follows by a blank line, unless one is there already.
        private static IEnumerable<GlobalStatementSyntax> AsGlobal(List<StatementSyntax> list, StatementSyntax beside, StatementSyntax? next)
        {
            var eol = SyntaxFactory.EndOfLine(EndOfLineOf(beside));
            for (var i = 0; i < list.Count; i++)
            {
                // What the insertion put in front (a blank line, directives taken from the statement) stays as it is.
                var laidOut = list[i].WithoutAnnotations(Formatter.Annotation).NormalizeWhitespace("    ", eol.ToString())
                    .WithLeadingTrivia(list[i].GetLeadingTrivia().Where(t => !t.HasAnnotation(SyntaxAnnotation.ElasticAnnotation)));
                var setOff = laidOut.GetLastToken().IsKind(SyntaxKind.CloseBraceToken) && (i < list.Count - 1 || (next is not null && !StartsWithBlankLine(next)));
                yield return SyntaxFactory.GlobalStatement(laidOut.WithTrailingTrivia(setOff ? new[] { eol, eol } : new[] { eol }));
            }
        }

        /// <summary>The trivia without the first line end that stands before anything but white space (a blank line).</summary>
        private static SyntaxTriviaList WithoutFirstBlankLine(SyntaxTriviaList trivia)
        {
            for (var i = 0; i < trivia.Count; i++)
            {
                if (trivia[i].IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    return trivia.RemoveAt(i);
                }

                if (!trivia[i].IsKind(SyntaxKind.WhitespaceTrivia))
                {
                    break;
                }
            }

            return trivia;
        }

        /// <summary>The top-level statement after <paramref name="global"/>, if any.</summary>
        private static StatementSyntax? NextGlobal(GlobalStatementSyntax global) =>
            global.Parent is CompilationUnitSyntax unit && unit.Members.IndexOf(global) is var at && at + 1 < unit.Members.Count && unit.Members[at + 1] is GlobalStatementSyntax after
                ? after.Statement
                : null;

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
                if (!TakeDirectives(editor, statement, first) && StartsWithBlankLine(statement))
                {
                    // As in InsertBefore: the blank line that set the statement off now sets off the inserted code.
                    first[0] = first[0].WithLeadingTrivia(first[0].GetLeadingTrivia().Insert(0, SyntaxFactory.EndOfLine(EndOfLineOf(statement))));
                }

                InsertNodesBefore(editor, statement, first);
            }

            if (last.Count > 0)
            {
                InsertNodesAfter(editor, statement, last);
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
