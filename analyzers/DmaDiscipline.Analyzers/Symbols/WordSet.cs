using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Names a prefilter looks for as whole words in source text (<see cref="SourceWords.IndexOfWord"/>'s
    /// test). A few names are searched one by one with the runtime's vectorised search; many are found in
    /// one pass over the text's words, each looked up by its length and first character, so that a body
    /// costs its length, not its length times the names (a driver's helpers that map, its sink wrappers and
    /// carriers run to hundreds of names).
    /// </summary>
    internal sealed class WordSet
    {
        // Up to this many names, one vectorised search each is cheaper than reading every word.
        private const int SearchedOneByOne = 8;

        private readonly string[] _names;

        // Names by length, then by first character (as found in the names: a short list each).
        private readonly Dictionary<int, string[]>? _byLength;

        public WordSet(IEnumerable<string> names)
        {
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (name.Length > 0)
                {
                    distinct.Add(name);
                }
            }

            _names = new string[distinct.Count];
            distinct.CopyTo(_names);
            if (_names.Length > SearchedOneByOne)
            {
                var byLength = new Dictionary<int, List<string>>();
                foreach (var name in _names)
                {
                    if (!byLength.TryGetValue(name.Length, out var list))
                    {
                        byLength[name.Length] = list = new List<string>();
                    }

                    list.Add(name);
                }

                _byLength = new Dictionary<int, string[]>(byLength.Count);
                foreach (var pair in byLength)
                {
                    _byLength[pair.Key] = pair.Value.ToArray();
                }
            }
        }

        /// <summary>No names: nothing is ever found.</summary>
        public bool IsEmpty => _names.Length == 0;

        /// <summary>Does one of the names occur as a whole word in [start, end) of <paramref name="text"/>?</summary>
        [MethodImpl(Jit.Optimized)]
        public bool AnyIn(string text, int start, int end)
        {
            if (_byLength is null)
            {
                for (var i = 0; i < _names.Length; i++)
                {
                    if (SourceWords.IndexOfWord(text, _names[i], start, end) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }

            var at = start;
            if (at > 0 && at < end && SourceWords.IsWordChar(text[at - 1]))
            {
                // A word cut by the start is no whole word in the range.
                while (at < end && SourceWords.IsWordChar(text[at]))
                {
                    at++;
                }
            }

            while (at < end)
            {
                if (!SourceWords.IsWordChar(text[at]))
                {
                    at++;
                    continue;
                }

                var first = at;
                while (at < text.Length && SourceWords.IsWordChar(text[at]))
                {
                    at++;
                }

                // A word that runs past the end is not in the range (the search one by one agrees).
                if (at <= end && _byLength.TryGetValue(at - first, out var candidates))
                {
                    foreach (var name in candidates)
                    {
                        if (name[0] == text[first] && string.CompareOrdinal(text, first, name, 0, name.Length) == 0)
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        /// <summary>
        /// The words of [start, end) that are names of the set, in order and as often as they occur, found as
        /// <see cref="SourceWords.WordsIn"/> finds them (a word is cut at the range's ends) but without making a
        /// string of every word read: a name found is the set's own.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public List<string> WordsIn(string text, int start, int end)
        {
            var found = new List<string>();
            var at = start;
            while (at < end)
            {
                if (!SourceWords.IsWordChar(text[at]))
                {
                    at++;
                    continue;
                }

                var first = at;
                while (at < end && SourceWords.IsWordChar(text[at]))
                {
                    at++;
                }

                if (Find(text, first, at - first) is { } name)
                {
                    found.Add(name);
                }
            }

            return found;
        }

        /// <summary>The name spelled by [first, first + length) of the text, or null.</summary>
        private string? Find(string text, int first, int length)
        {
            var candidates = _byLength is null ? _names : _byLength.TryGetValue(length, out var sameLength) ? sameLength : null;
            if (candidates is null)
            {
                return null;
            }

            foreach (var name in candidates)
            {
                if (name.Length == length && name[0] == text[first] && string.CompareOrdinal(text, first, name, 0, length) == 0)
                {
                    return name;
                }
            }

            return null;
        }
    }
}
