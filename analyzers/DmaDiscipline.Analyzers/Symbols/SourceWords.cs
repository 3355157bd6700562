using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The identifier-shaped words of a piece of source text, read from the characters alone: no
    /// syntax tree, no binding. Keywords, comments and string contents count as words too — the
    /// prefilters built on this only need a superset of the identifiers a body names.
    /// </summary>
    internal static class SourceWords
    {
        // Each tree's text as one string, cut once: bodies are read as slices of it, not copied out.
        private static readonly ConditionalWeakTable<SyntaxTree, string> Texts = new ConditionalWeakTable<SyntaxTree, string>();

        private static readonly string[] CompoundAssignments = { ">>>=", "<<=", ">>=", "??=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=" };

        /// <summary>The whole text of a tree (shared by every prefilter that reads it).</summary>
        public static string TextOf(SyntaxTree tree) => Texts.GetValue(tree, t => t.GetText().ToString());

        /// <summary>Can this character be part of an identifier?</summary>
        public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

        /// <summary>Calls <paramref name="visit"/> with the start and length of every word in [start, end); stops when it returns false.</summary>
        public static void ForEach(string text, int start, int end, Func<int, int, bool> visit)
        {
            var i = start;
            while (i < end)
            {
                if (!IsWordChar(text[i]))
                {
                    i++;
                    continue;
                }

                var wordStart = i;
                while (i < end && IsWordChar(text[i]))
                {
                    i++;
                }

                // A number is not a name; 0x1000 and 1UL are skipped whole.
                if (!char.IsDigit(text[wordStart]) && !visit(wordStart, i - wordStart))
                {
                    return;
                }
            }
        }

        /// <summary>Is the word at text[start..start+length) equal to <paramref name="word"/>?</summary>
        public static bool Is(string text, int start, int length, string word) =>
            length == word.Length && string.CompareOrdinal(text, start, word, 0, length) == 0;

        /// <summary>Does text[start..end) contain one of the names anywhere (a cheap superset of naming it)?</summary>
        public static bool ContainsAny(string text, int start, int end, IReadOnlyList<string> names)
        {
            foreach (var name in names)
            {
                if (text.IndexOf(name, start, end - start, StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The first character after <paramref name="index"/> that is not white space, or '\0'.</summary>
        public static char NextNonSpace(string text, int index, int end, out int at)
        {
            at = index;
            while (at < end && char.IsWhiteSpace(text[at]))
            {
                at++;
            }

            return at < end ? text[at] : '\0';
        }

        /// <summary>
        /// Does an assignment operator (=, +=, |=, ??=, &lt;&lt;= …, not ==, =&gt;, &lt;=, &gt;=, !=) start at
        /// the first non-space character from <paramref name="index"/>? That is how a write to the
        /// word just before it looks.
        /// </summary>
        public static bool AssignmentFollows(string text, int index, int end)
        {
            var c = NextNonSpace(text, index, end, out var at);
            if (c == '=')
            {
                var next = at + 1 < end ? text[at + 1] : '\0';
                return next != '=' && next != '>';
            }

            foreach (var op in CompoundAssignments)
            {
                if (at + op.Length <= end && string.CompareOrdinal(text, at, op, 0, op.Length) == 0)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
