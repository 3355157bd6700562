using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Names in a piece of source text, found from the characters alone: no syntax tree, no binding.
    /// A name inside a comment or a string counts too — the prefilters built on this only need a
    /// superset of the identifiers a body names.
    /// </summary>
    internal static class SourceWords
    {
        // Each tree's text as one string, cut once: bodies are read as slices of it, not copied out.
        private static readonly ConditionalWeakTable<SyntaxTree, string> Texts = new ConditionalWeakTable<SyntaxTree, string>();

        private static readonly string[] CompoundAssignments = { ">>>=", "<<=", ">>=", "??=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=" };

        /// <summary>The whole text of a tree (shared by every prefilter that reads it).</summary>
        public static string TextOf(SyntaxTree tree) => Texts.GetValue(tree, t => t.GetText().ToString());

        // Each tree's words, read once per tree object: a compilation that keeps the tree (the one the summary generator
        // leaves, the next snapshot of an edit elsewhere) asks the same bits.
        private static readonly ConditionalWeakTable<SyntaxTree, WordBits> Words = new ConditionalWeakTable<SyntaxTree, WordBits>();

        /// <summary>
        /// Can <paramref name="word"/> occur in the tree's text as a whole word (<see cref="IndexOfWord"/>'s test)? False
        /// only when it certainly does not; true may be wrong (two words share bits), so a caller that needs the place
        /// searches the text. Each tree's words are read once, in one pass over its text, into a bit set sized by the text
        /// (a sixteenth of its bytes): no string is made for a word. A word with a character that is no word character is
        /// never ruled out.
        /// </summary>
        public static bool MayHoldWord(SyntaxTree tree, string word)
        {
            var bits = Words.TryGetValue(tree, out var known) ? known : Words.GetValue(tree, t => new WordBits(TextOf(t)));
            return bits.MayHold(word);
        }

        /// <summary>The hashed words of one text (a Bloom filter of two bits a word).</summary>
        private sealed class WordBits
        {
            private readonly ulong[] _bits;
            private readonly uint _mask;

            [MethodImpl(Jit.Optimized)]
            public WordBits(string text)
            {
                // A power of two, at least half as many bits as the text has characters: a tree's distinct words are a
                // small part of its characters, so few words share both bits.
                var count = 1024;
                while (count < text.Length / 2 && count < (1 << 30))
                {
                    count <<= 1;
                }

                _bits = new ulong[count / 64];
                _mask = (uint)count - 1;
                var at = 0;
                var length = text.Length;
                while (at < length)
                {
                    if (!IsWordChar(text[at]))
                    {
                        at++;
                        continue;
                    }

                    var hash = Seed;
                    while (at < length && IsWordChar(text[at]))
                    {
                        hash = Step(hash, text[at]);
                        at++;
                    }

                    Set(hash);
                }
            }

            private const uint Seed = 2166136261;

            // FNV-1a over the characters.
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static uint Step(uint hash, char c) => (hash ^ c) * 16777619;

            // The second bit from the hash's other half, so that the two bits are nearly independent.
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static uint Second(uint hash) => (hash >> 16) | (hash << 16);

            private void Set(uint hash)
            {
                var first = hash & _mask;
                var second = Second(hash) & _mask;
                _bits[first >> 6] |= 1UL << (int)(first & 63);
                _bits[second >> 6] |= 1UL << (int)(second & 63);
            }

            public bool MayHold(string word)
            {
                if (word.Length == 0)
                {
                    return true;
                }

                var hash = Seed;
                foreach (var c in word)
                {
                    if (!IsWordChar(c))
                    {
                        return true;
                    }

                    hash = Step(hash, c);
                }

                var first = hash & _mask;
                var second = Second(hash) & _mask;
                return (_bits[first >> 6] & (1UL << (int)(first & 63))) != 0 && (_bits[second >> 6] & (1UL << (int)(second & 63))) != 0;
            }
        }

        /// <summary>Can this character be part of an identifier?</summary>
        [MethodImpl(Jit.Optimized)]
        public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

        /// <summary>
        /// Where <paramref name="name"/> occurs as a whole word in [start, end), or -1. Built on the
        /// runtime's vectorised <see cref="string.IndexOf(string, int, int, StringComparison)"/>: the
        /// analyzer's own code runs unoptimised at first in a fresh compiler process, so the prefilters
        /// leave the character loops to the runtime.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public static int IndexOfWord(string text, string name, int start, int end)
        {
            while (start < end)
            {
                var at = text.IndexOf(name, start, end - start, StringComparison.Ordinal);
                if (at < 0)
                {
                    return -1;
                }

                var after = at + name.Length;
                if ((at == 0 || !IsWordChar(text[at - 1])) && (after >= text.Length || !IsWordChar(text[after])))
                {
                    return at;
                }

                start = at + 1;
            }

            return -1;
        }

        /// <summary>The words of [start, end) that are in <paramref name="names"/>.</summary>
        public static List<string> WordsIn(string text, int start, int end, HashSet<string> names)
        {
            var found = new List<string>();
            var at = start;
            while (at < end)
            {
                if (!IsWordChar(text[at]))
                {
                    at++;
                    continue;
                }

                var first = at;
                while (at < end && IsWordChar(text[at]))
                {
                    at++;
                }

                var word = text.Substring(first, at - first);
                if (names.Contains(word))
                {
                    found.Add(word);
                }
            }

            return found;
        }

        /// <summary>The first character after <paramref name="index"/> that is not white space, or '\0'.</summary>
        [MethodImpl(Jit.Optimized)]
        public static char NextNonSpace(string text, int index, int end, out int at)
        {
            at = index;
            while (at < end && char.IsWhiteSpace(text[at]))
            {
                at++;
            }

            return at < end ? text[at] : '\0';
        }

        /// <summary>The last index at or before <paramref name="index"/> whose character is not white space, or -1.</summary>
        [MethodImpl(Jit.Optimized)]
        public static int PreviousNonSpace(string text, int index)
        {
            while (index >= 0 && char.IsWhiteSpace(text[index]))
            {
                index--;
            }

            return index;
        }

        /// <summary>
        /// Is the word at [at, at + length) written there: followed by an assignment (after an index
        /// <c>[…]</c>, for an element), by <c>++</c>/<c>--</c>, or given as <c>ref</c>/<c>out</c>?
        /// </summary>
        public static bool IsWrittenAt(string text, int at, int length)
        {
            var end = text.Length;
            var after = at + length;
            if (NextNonSpace(text, after, end, out var open) == '[')
            {
                var depth = 0;
                for (var i = open; i < end; i++)
                {
                    if (text[i] == '[')
                    {
                        depth++;
                    }
                    else if (text[i] == ']' && --depth == 0)
                    {
                        after = i + 1;
                        break;
                    }
                }
            }

            var next = NextNonSpace(text, after, end, out var op);
            if (AssignmentFollows(text, after, end) || ((next == '+' || next == '-') && op + 1 < end && text[op + 1] == next))
            {
                return true;
            }

            var before = PreviousNonSpace(text, at - 1);
            return (before >= 0 && (text[before] == '+' || text[before] == '-') && before > 0 && text[before - 1] == text[before])
                || EndsWithWord(text, before, "ref") || EndsWithWord(text, before, "out");
        }

        /// <summary>Is the word at [at, at + length) the type of a <c>new</c>: <c>new T(</c>?</summary>
        public static bool IsCreatedAt(string text, int at, int length) => EndsWithWord(text, PreviousNonSpace(text, at - 1), "new");

        private static bool EndsWithWord(string text, int last, string word)
        {
            var start = last - word.Length + 1;
            return start >= 0 && string.CompareOrdinal(text, start, word, 0, word.Length) == 0 && (start == 0 || !IsWordChar(text[start - 1]));
        }

        /// <summary>
        /// Does an assignment operator (=, +=, |=, ??=, &lt;&lt;= …, not ==, =&gt;, &lt;=, &gt;=, !=) start at
        /// the first non-space character from <paramref name="index"/>? That is how a write to the
        /// word just before it looks.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
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
