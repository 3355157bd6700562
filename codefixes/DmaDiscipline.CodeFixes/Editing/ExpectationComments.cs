using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// A comment at the end of a fixed line that names the rule (<c>// DMA001 expected</c>, <c>// DMA003: unchecked</c>)
    /// describes the defect the fix removed: it goes with it. Other comments stay.
    /// </summary>
    internal static class ExpectationComments
    {
        public static void Remove(DocumentEditor editor, SyntaxNode root, IEnumerable<Diagnostic> fixedSites)
        {
            var statements = new HashSet<StatementSyntax>();
            foreach (var diagnostic in fixedSites)
            {
                var statement = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();
                if (statement is not null && (statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax) && Names(statement.GetTrailingTrivia(), diagnostic.Id) && statements.Add(statement))
                {
                    var id = diagnostic.Id;
                    editor.ReplaceNode(statement, (current, _) => current.WithTrailingTrivia(Without(current.GetTrailingTrivia(), id)));
                }
            }
        }

        private static bool Names(SyntaxTriviaList trivia, string id) =>
            trivia.Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) && t.ToString().Contains(id));

        private static SyntaxTriviaList Without(SyntaxTriviaList trivia, string id)
        {
            var kept = new List<SyntaxTrivia>();
            foreach (var t in trivia)
            {
                if (t.IsKind(SyntaxKind.SingleLineCommentTrivia) && t.ToString().Contains(id))
                {
                    // The space before the comment goes with it.
                    while (kept.Count > 0 && kept[kept.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia))
                    {
                        kept.RemoveAt(kept.Count - 1);
                    }

                    continue;
                }

                kept.Add(t);
            }

            return SyntaxFactory.TriviaList(kept);
        }
    }
}
