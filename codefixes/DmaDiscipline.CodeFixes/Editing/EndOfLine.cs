using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Formatting;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// The end-of-line a document already uses, so that the lines a fix writes match the file's own:
    /// a CRLF file stays CRLF. Fixes build their code with <c>\n</c> (and elastic line feeds the
    /// formatter fills in); <see cref="Normalize"/> turns the line breaks of the new code into the document's.
    /// </summary>
    internal static class EndOfLine
    {
        /// <summary>The first line break of <paramref name="root"/>, or <paramref name="fallback"/> (the workspace's option) when it has none.</summary>
        public static string Of(SyntaxNode root, string fallback) =>
            root.DescendantTrivia(descendIntoTrivia: true).FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } eol ? eol : fallback;

        /// <summary>Every line break inside the code a fix added (the nodes marked for formatting) becomes <paramref name="eol"/>.</summary>
        public static SyntaxNode Normalize(SyntaxNode root, string eol)
        {
            var trivia = root.GetAnnotatedNodes(Formatter.Annotation)
                .SelectMany(n => n.DescendantTrivia(descendIntoTrivia: true))
                .Where(t => t.IsKind(SyntaxKind.EndOfLineTrivia) && t.ToString() != eol)
                .ToList();
            return trivia.Count == 0 ? root : root.ReplaceTrivia(trivia, (_, _) => SyntaxFactory.EndOfLine(eol));
        }
    }
}
