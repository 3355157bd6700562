using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// The indentation a document already uses, so that the lines a fix writes match the file's own: in a
    /// tab-indented file the new lines, and the lines the formatter re-indented around them, are indented with tabs.
    /// Like <see cref="EndOfLine"/>, the file's own text decides: a fix writes a few lines into code someone else laid
    /// out. The formatter indents with the workspace's default (spaces); <see cref="NormalizeAsync"/> turns each
    /// line-leading run of spaces in the changed lines into tabs, one per indentation level.
    /// </summary>
    internal static class Indentation
    {
        /// <summary>The width of one indentation level the formatter writes (its default).</summary>
        private const int Level = 4;

        /// <summary>True when more of <paramref name="root"/>'s indented lines start with a tab than with a space.</summary>
        public static bool UsesTabs(SyntaxNode root)
        {
            var text = root.GetText();
            int tabs = 0, spaces = 0;
            foreach (var line in text.Lines)
            {
                if (line.Span.Length == 0)
                {
                    continue;
                }

                var first = text[line.Start];
                if (first == '\t')
                {
                    tabs++;
                }
                else if (first == ' ')
                {
                    spaces++;
                }
            }

            return tabs > spaces;
        }

        /// <summary>
        /// In the lines the fix changed (new code, and lines the formatter re-indented around it), every line-leading run of
        /// whitespace holding spaces becomes tabs: one per <see cref="Level"/> columns, the rest kept as spaces (alignment).
        /// Only where <paramref name="original"/> is indented with tabs.
        /// </summary>
        public static async Task<Document> NormalizeAsync(Document original, Document changed, CancellationToken cancellationToken)
        {
            var root = await original.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || !UsesTabs(root))
            {
                return changed;
            }

            var text = await changed.GetTextAsync(cancellationToken).ConfigureAwait(false);
            var delta = 0;
            var lines = new SortedSet<int>();
            foreach (var change in (await changed.GetTextChangesAsync(original, cancellationToken).ConfigureAwait(false)).OrderBy(c => c.Span.Start))
            {
                var start = change.Span.Start + delta;
                var end = start + (change.NewText?.Length ?? 0);
                delta += (change.NewText?.Length ?? 0) - change.Span.Length;
                var first = text.Lines.GetLineFromPosition(start).LineNumber;
                var last = text.Lines.GetLineFromPosition(System.Math.Min(end, text.Length)).LineNumber;
                for (var line = first; line <= last; line++)
                {
                    lines.Add(line);
                }
            }

            var edits = new List<TextChange>();
            foreach (var number in lines)
            {
                var line = text.Lines[number];
                var indent = 0;
                while (line.Start + indent < line.End && (text[line.Start + indent] == ' ' || text[line.Start + indent] == '\t'))
                {
                    indent++;
                }

                var whitespace = text.ToString(new TextSpan(line.Start, indent));
                if (indent < line.Span.Length && whitespace.Contains(' '))
                {
                    edits.Add(new TextChange(new TextSpan(line.Start, indent), Tabs(whitespace)));
                }
            }

            return edits.Count == 0 ? changed : changed.WithText(text.WithChanges(edits));
        }

        private static string Tabs(string whitespace)
        {
            var width = whitespace.Sum(c => c == '\t' ? Level : 1);
            return new string('\t', width / Level) + new string(' ', width % Level);
        }
    }
}
