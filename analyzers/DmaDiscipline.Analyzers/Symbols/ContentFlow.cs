using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Which words of a member declaration may come to hold a physical address or device memory, read
    /// from its text alone (tokens, not syntax; nothing is bound): the summary generator's gate
    /// (<see cref="SourceDeclarations.ContentNames"/>). A statement is hot when it names a content word —
    /// one of the compilation's content names, or a local or parameter the declaration made hot (where
    /// pointers are physical, a <c>*</c> too). In a hot right-hand side, what is assigned becomes hot:
    /// the words of its target (<c>x</c>, <c>d.Addr</c>, <c>_ring[i].Addr</c>, each element of a
    /// <c>(a, b)</c>), and a field or property among them becomes a content name. So do a variable declared
    /// of a hot type (<c>PhysAddr p</c>), what a hot statement passes as <c>out</c>/<c>ref</c>, and a
    /// <c>foreach</c> variable over a hot collection. A hot <c>return</c> (or <c>=&gt;</c>) means the
    /// declaration returns one; a hot <c>new T(</c> gives T's constructors a hot argument. A superset:
    /// where the text is ambiguous, more is hot, never less.
    /// </summary>
    internal sealed class ContentFlow
    {
        private readonly HashSet<string> _names;
        private readonly HashSet<string> _held;
        private readonly HashSet<string> _types;
        private readonly bool _pointers;
        private readonly HashSet<string>? _freshReads;
        private readonly WordPool _pool = new WordPool();
        private readonly AddedNames _added = new AddedNames();

        /// <param name="names">The content names so far; grown by <see cref="Read"/> and <see cref="Add"/>.</param>
        /// <param name="held">The fields and properties the source declares: an assigned one becomes a content name.</param>
        /// <param name="types">The types the source declares constructors for (<c>new T(</c> is looked for).</param>
        /// <param name="pointers">Is a <c>*</c> a physical address (an identity-mapped platform)?</param>
        /// <param name="freshReads">
        /// Members whose value is a fresh bus address whatever their receiver and arguments (<see cref="BusMembers"/>): the words
        /// of a read of one (<see cref="FreshReads"/>) make nothing hot. Null or empty: none.
        /// </param>
        public ContentFlow(HashSet<string> names, HashSet<string> held, HashSet<string> types, bool pointers, HashSet<string>? freshReads = null)
        {
            _names = names;
            _held = held;
            _types = types;
            _pointers = pointers;
            _freshReads = freshReads;
        }

        /// <summary>What one declaration's text gave: does it return a hot value, is any statement hot, which types it creates hot.</summary>
        public readonly struct Result
        {
            public Result(bool returns, bool any, List<string> created)
            {
                Returns = returns;
                Any = any;
                Created = created;
            }

            public bool Returns { get; }
            public bool Any { get; }
            public List<string> Created { get; }
        }

        /// <summary>Adds a content name; true when it is new.</summary>
        public bool Add(string name) => _added.AddTo(_names, name);

        /// <summary>The content names added since the last call.</summary>
        public List<string> TakeAdded() => _added.Take();

        /// <summary>Does the token end a statement (or open or close a block): <c>;</c>, <c>{</c>, <c>}</c>?</summary>
        internal static bool EndsStatement(Token token) => token.Word is null && (token.Char == ';' || token.Char == '{' || token.Char == '}');

        /// <summary>Is the token at <paramref name="i"/> the '=' of a <c>=&gt;</c>?</summary>
        internal static bool IsArrow(List<Token> tokens, int i) =>
            tokens[i].Word is null && tokens[i].Char == '=' && i + 1 < tokens.Count && tokens[i + 1].Word is null && tokens[i + 1].Char == '>' && tokens[i + 1].At == tokens[i].At + 1;

        /// <summary>Reads [start, end) of <paramref name="text"/>, to a fixpoint over its statements.</summary>
        /// <param name="hotParameters">Parameters given a hot argument (a constructor's, where a <c>new</c> is hot), or null.</param>
        [MethodImpl(Jit.Optimized)]
        public Result Read(string text, int start, int end, string[]? hotParameters) =>
            Read(text, start, end, hotParameters, new HashSet<string>(StringComparer.Ordinal));

        /// <summary>
        /// The words a read of [start, end) makes hot: those assigned a hot value there (the target of a
        /// hot right-hand side, a hot statement's <c>out</c>/<c>ref</c> argument, a variable declared of a hot type, a
        /// <c>foreach</c> variable over a hot collection). No parameter is taken as hot. A superset, as <see cref="Read"/> is:
        /// a member whose read does not make a field's name hot stores no physical address or device memory into it, but
        /// through its own parameters.
        /// </summary>
        public HashSet<string> HotWords(string text, int start, int end)
        {
            var hot = new HashSet<string>(StringComparer.Ordinal);
            Read(text, start, end, null, hot);
            return hot;
        }

        /// <param name="local">The words made hot (filled: the parameters given, then what the read makes hot).</param>
        [MethodImpl(Jit.Optimized)]
        private Result Read(string text, int start, int end, string[]? hotParameters, HashSet<string> local)
        {
            var tokens = TakeTokens(text, start, end, _pool);
            try
            {
                return Read(tokens, hotParameters, local);
            }
            finally
            {
                GiveBack(tokens);
            }
        }

        [MethodImpl(Jit.Optimized)]
        private Result Read(List<Token> tokens, string[]? hotParameters, HashSet<string> local)
        {
            var fresh = FreshReads(tokens, _freshReads);
            if (hotParameters is not null)
            {
                local.UnionWith(hotParameters);
            }

            var returns = false;
            var any = false;
            var created = new List<string>();
            bool grew;
            do
            {
                grew = false;
                var from = 0;
                for (var i = 0; i <= tokens.Count; i++)
                {
                    if (i < tokens.Count && !EndsStatement(tokens[i]))
                    {
                        continue;
                    }

                    if (i > from && IsHot(tokens, from, i, local, fresh))
                    {
                        any = true;
                        grew |= Statement(tokens, from, i, local, fresh, ref returns, created);
                    }

                    from = i + 1;
                }
            }
            while (grew);

            return new Result(returns, any, created);
        }

        /// <summary>One hot statement [from, to): what it makes hot. True when a local became hot.</summary>
        private bool Statement(List<Token> tokens, int from, int to, HashSet<string> local, bool[]? fresh, ref bool returns, List<string> created)
        {
            var grew = false;
            for (var i = from; i < to; i++)
            {
                var token = tokens[i];
                if (token.Word is { } word)
                {
                    if (word == "return")
                    {
                        returns = true;
                    }
                    else if ((word == "out" || word == "ref") && i + 1 < to)
                    {
                        // out x, out var x, out T x, ref F: the last word before the argument ends.
                        var last = i + 1;
                        while (last + 1 < to && tokens[last + 1].Word is not null)
                        {
                            last++;
                        }

                        grew |= MakeHot(tokens[last].Word, local);
                    }
                    else if (word == "new" && i + 1 < to && tokens[i + 1].Word is { } type && _types.Contains(type) && !created.Contains(type))
                    {
                        created.Add(type);
                    }
                    else if (word == "foreach")
                    {
                        // foreach (var x in hot): the variable is the word before 'in'.
                        for (var j = i + 1; j + 1 < to; j++)
                        {
                            if (tokens[j + 1].Word == "in")
                            {
                                grew |= MakeHot(tokens[j].Word, local);
                                break;
                            }
                        }
                    }
                    else if (IsContent(word, local))
                    {
                        // PhysAddr p, PhysAddr? p, PhysAddr[] p, List<PhysAddr> p, byte* p: a variable declared of a hot type.
                        var j = i + 1;
                        while (j < to && tokens[j].Word is null && "?[]*>".IndexOf(tokens[j].Char) >= 0)
                        {
                            j++;
                        }

                        if (j < to && tokens[j].Word is { } declared)
                        {
                            grew |= MakeHot(declared, local);
                        }
                    }

                    continue;
                }

                if (IsArrow(tokens, i))
                {
                    returns = true; // an expression body or a lambda's
                    i++;
                    continue;
                }

                if (IsAssignment(tokens, i) && IsHot(tokens, i + 1, to, local, fresh))
                {
                    grew |= Target(tokens, from, i, local);
                }
            }

            return grew;
        }

        /// <summary>Makes the words of an assignment's target, which ends before <paramref name="at"/>, hot.</summary>
        private bool Target(List<Token> tokens, int from, int at, HashSet<string> local)
        {
            var grew = false;
            foreach (var word in TargetWords(tokens, from, at, out _))
            {
                grew |= MakeHot(word, local);
            }

            return grew;
        }

        /// <summary>
        /// The words of an assignment's target, which ends before <paramref name="at"/>: <c>x</c>, <c>d.Addr</c>,
        /// <c>_ring[i].Addr</c> (not the index), <c>p-&gt;Addr</c>, each element of a <c>(a, b)</c>.
        /// </summary>
        /// <param name="start">Where the target starts (its first token).</param>
        internal static List<string> TargetWords(List<Token> tokens, int from, int at, out int start)
        {
            var words = new List<string>();
            var i = at - 1;

            // The operator's own characters: += |= <<= ??=.
            while (i >= from && tokens[i].Word is null && tokens[i].At == tokens[i + 1].At - 1 && "+-*/%&|^<>?".IndexOf(tokens[i].Char) >= 0)
            {
                i--;
            }

            while (i >= from)
            {
                var token = tokens[i];
                if (token.Word is null && (token.Char == ']' || token.Char == ')'))
                {
                    var close = token.Char;
                    var open = close == ']' ? '[' : '(';
                    var depth = 0;
                    var j = i;
                    for (; j >= from; j--)
                    {
                        if (tokens[j].Word is null && tokens[j].Char == close)
                        {
                            depth++;
                        }
                        else if (tokens[j].Word is null && tokens[j].Char == open && --depth == 0)
                        {
                            break;
                        }
                        else if (close == ')' && depth == 1 && tokens[j].Word is { } element)
                        {
                            // (a, b) = …: each element is assigned.
                            words.Add(element);
                        }
                    }

                    i = j - 1;
                    continue;
                }

                if (token.Word is { } word)
                {
                    words.Add(word);
                    i--;
                    if (i >= from && tokens[i].Word is null && (tokens[i].Char == '.' || (tokens[i].Char == '>' && i > from && tokens[i - 1].Char == '-')))
                    {
                        i -= tokens[i].Char == '.' ? 1 : 2;
                        if (i >= from && tokens[i].Word is null && tokens[i].Char == '?')
                        {
                            i--;
                        }

                        continue;
                    }
                }

                break;
            }

            start = i + 1;
            return words;
        }

        private bool MakeHot(string? word, HashSet<string> local)
        {
            if (word is null)
            {
                return false;
            }

            if (_held.Contains(word))
            {
                Add(word);
            }

            return local.Add(word);
        }

        private bool IsContent(string word, HashSet<string> local) => _names.Contains(word) || local.Contains(word);

        private bool IsHot(List<Token> tokens, int from, int to, HashSet<string> local, bool[]? fresh)
        {
            for (var i = from; i < to; i++)
            {
                if (fresh is not null && fresh[i])
                {
                    continue;
                }

                if (tokens[i].Word is { } word ? IsContent(word, local) : _pointers && tokens[i].Char == '*')
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The tokens that are part of a read of a fresh member (<see cref="BusMembers"/>), whose value is a bus address made by
        /// the member, not what its receiver or arguments carry: the member's name after a <c>.</c> (or <c>?.</c>), the receiver
        /// chain before it (<c>area</c>, <c>q._rings[i]</c>, <c>Get(x)</c>: words joined by dots, each with its index or argument
        /// lists) and its own argument list. A read whose receiver or arguments hold anything else (an operator, <c>new</c>,
        /// <c>out</c>/<c>ref</c>, a lambda) is left as it is: a construction or a call there may store what it is given.
        /// Null where there is no fresh member or no read of one.
        /// </summary>
        internal static bool[]? FreshReads(List<Token> tokens, HashSet<string>? fresh)
        {
            if (fresh is null || fresh.Count == 0)
            {
                return null;
            }

            bool[]? marked = null;
            for (var k = 1; k < tokens.Count; k++)
            {
                if (!(tokens[k].Word is { } name) || !fresh.Contains(name) || !IsChar(tokens, k - 1, '.'))
                {
                    continue;
                }

                // Forwards: the member's own argument list.
                var last = k;
                if (IsChar(tokens, k + 1, '('))
                {
                    last = Closing(tokens, k + 1);
                    if (last < 0)
                    {
                        continue;
                    }
                }

                // Backwards: the receiver chain, words joined by '.' or '?.', each followed by any '(…)' or '[…]' groups.
                var first = k - 1;
                var j = k - 1;
                var whole = true;
                while (true)
                {
                    j = IsChar(tokens, j - 1, '?') ? j - 2 : j - 1;
                    while (j >= 0 && tokens[j].Word is null && (tokens[j].Char == ')' || tokens[j].Char == ']'))
                    {
                        j = Opening(tokens, j) - 1;
                        if (j < -1)
                        {
                            whole = false;
                            break;
                        }
                    }

                    if (!whole || j < 0 || tokens[j].Word is null)
                    {
                        whole = false;
                        break;
                    }

                    first = j;
                    if (!IsChar(tokens, j - 1, '.'))
                    {
                        break;
                    }

                    j--;
                }

                if (!whole || (first > 0 && tokens[first - 1].Word == "new") || !OnlyNames(tokens, first, last))
                {
                    continue;
                }

                marked ??= new bool[tokens.Count];
                for (var i = first; i <= last; i++)
                {
                    marked[i] = true;
                }
            }

            return marked;
        }

        private static bool IsChar(List<Token> tokens, int i, char c) => i >= 0 && i < tokens.Count && tokens[i].Word is null && tokens[i].Char == c;

        /// <summary>Words (no keyword that makes, passes by reference or runs code), dots, commas, '?', parentheses and brackets only.</summary>
        private static bool OnlyNames(List<Token> tokens, int first, int last)
        {
            for (var i = first; i <= last; i++)
            {
                if (tokens[i].Word is { } word)
                {
                    if (word == "new" || word == "out" || word == "ref" || word == "in" || word == "delegate" || word == "stackalloc" || word == "await" || word == "with" || word == "switch")
                    {
                        return false;
                    }
                }
                else if (".,?()[]".IndexOf(tokens[i].Char) < 0)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The index of the ')' or ']' that closes the group opening at <paramref name="open"/>, or -1.</summary>
        private static int Closing(List<Token> tokens, int open)
        {
            var depth = 0;
            for (var i = open; i < tokens.Count; i++)
            {
                if (tokens[i].Word is null && (tokens[i].Char == '(' || tokens[i].Char == '['))
                {
                    depth++;
                }
                else if (tokens[i].Word is null && (tokens[i].Char == ')' || tokens[i].Char == ']') && --depth == 0)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The index of the '(' or '[' that opens the group closing at <paramref name="close"/>, or -1.</summary>
        private static int Opening(List<Token> tokens, int close)
        {
            var depth = 0;
            for (var i = close; i >= 0; i--)
            {
                if (tokens[i].Word is null && (tokens[i].Char == ')' || tokens[i].Char == ']'))
                {
                    depth++;
                }
                else if (tokens[i].Word is null && (tokens[i].Char == '(' || tokens[i].Char == '[') && --depth == 0)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Is the '=' at <paramref name="i"/> an assignment (=, +=, &lt;&lt;=, ??= …), not ==, =&gt;, !=, &lt;=, &gt;=?</summary>
        internal static bool IsAssignment(List<Token> tokens, int i)
        {
            var token = tokens[i];
            if (token.Word is not null || token.Char != '=')
            {
                return false;
            }

            if (i + 1 < tokens.Count && tokens[i + 1].Word is null && tokens[i + 1].At == token.At + 1 && (tokens[i + 1].Char == '=' || tokens[i + 1].Char == '>'))
            {
                return false;
            }

            if (i > 0 && tokens[i - 1].Word is null && tokens[i - 1].At == token.At - 1)
            {
                var before = tokens[i - 1].Char;
                if (before == '=' || before == '!')
                {
                    return false;
                }

                if (before == '<' || before == '>')
                {
                    // <<= and >>= assign; <= and >= compare.
                    return i > 1 && tokens[i - 2].Word is null && tokens[i - 2].Char == before && tokens[i - 2].At == token.At - 2;
                }
            }

            return true;
        }

        /// <summary>A word, or one punctuation character, at a position of the text.</summary>
        internal readonly struct Token
        {
            public Token(string? word, char c, int at)
            {
                Word = word;
                Char = c;
                At = at;
            }

            public string? Word { get; }
            public char Char { get; }
            public int At { get; }
        }

        // One token list per thread, cleared and used again by the next read (a reader reads thousands of members, one at a time).
        [ThreadStatic]
        private static List<Token>? t_tokens;

        // A list grown past this is not kept (a 16,000-statement body would otherwise stay in memory).
        private const int KeptTokens = 1 << 14;

        /// <summary>The tokens of [start, end), in the thread's list (taken from it until <see cref="GiveBack"/>: a nested read makes its own).</summary>
        internal static List<Token> TakeTokens(string text, int start, int end, WordPool pool)
        {
            var tokens = t_tokens ?? new List<Token>();
            t_tokens = null;
            lock (pool)
            {
                TokenizeInto(tokens, text, start, end, pool);
            }

            return tokens;
        }

        /// <summary>Gives a list from <see cref="TakeTokens"/> back to the thread, empty.</summary>
        internal static void GiveBack(List<Token> tokens)
        {
            if (tokens.Capacity <= KeptTokens)
            {
                tokens.Clear();
                t_tokens = tokens;
            }
        }

        /// <summary>The words and punctuation of [start, end); comments, strings and characters left out (what they hold is not code).</summary>
        internal static List<Token> Tokenize(string text, int start, int end) => Tokenize(text, start, end, null);

        /// <param name="pool">Where a word's string is found once made (a reader reads the same words again and again), or null.</param>
        internal static List<Token> Tokenize(string text, int start, int end, WordPool? pool)
        {
            if (pool is null)
            {
                return TokenizeWith(text, start, end, null);
            }

            lock (pool)
            {
                return TokenizeWith(text, start, end, pool);
            }
        }

        private static List<Token> TokenizeWith(string text, int start, int end, WordPool? pool)
        {
            var tokens = new List<Token>();
            TokenizeInto(tokens, text, start, end, pool);
            return tokens;
        }

        private static void TokenizeInto(List<Token> tokens, string text, int start, int end, WordPool? pool)
        {
            var at = start;
            while (at < end)
            {
                var c = text[at];
                if (char.IsWhiteSpace(c))
                {
                    at++;
                }
                else if (SourceWords.IsWordChar(c) || c == '@' && at + 1 < end && SourceWords.IsWordChar(text[at + 1]))
                {
                    var first = c == '@' ? at + 1 : at;
                    at = first;
                    while (at < end && SourceWords.IsWordChar(text[at]))
                    {
                        at++;
                    }

                    tokens.Add(new Token(pool is null ? text.Substring(first, at - first) : pool.Get(text, first, at - first), '\0', first));
                }
                else if (c == '/' && at + 1 < end && text[at + 1] == '/')
                {
                    var line = text.IndexOf('\n', at, end - at);
                    at = line < 0 ? end : line + 1;
                }
                else if (c == '/' && at + 1 < end && text[at + 1] == '*')
                {
                    var close = at + 2 < end ? text.IndexOf("*/", at + 2, end - at - 2, StringComparison.Ordinal) : -1;
                    at = close < 0 ? end : close + 2;
                }
                else if (c == '"' || c == '\'')
                {
                    at = SkipLiteral(text, at, end);
                }
                else
                {
                    tokens.Add(new Token(null, c, at));
                    at++;
                }
            }
        }

        /// <summary>The position after the string or character literal opening at <paramref name="at"/> (verbatim and raw strings too).</summary>
        private static int SkipLiteral(string text, int at, int end)
        {
            var quote = text[at];
            var verbatim = at > 0 && (text[at - 1] == '@' || (at > 1 && text[at - 1] == '$' && text[at - 2] == '@'));
            if (quote == '"' && at + 2 < end && text[at + 1] == '"' && text[at + 2] == '"')
            {
                // A raw string: as many quotes close it as opened it.
                var count = 0;
                while (at + count < end && text[at + count] == '"')
                {
                    count++;
                }

                var close = text.IndexOf(new string('"', count), at + count, end - at - count, StringComparison.Ordinal);
                return close < 0 ? end : close + count;
            }

            for (var i = at + 1; i < end; i++)
            {
                if (text[i] == '\\' && !verbatim)
                {
                    i++;
                }
                else if (text[i] == quote)
                {
                    if (verbatim && i + 1 < end && text[i + 1] == quote)
                    {
                        i++;
                        continue;
                    }

                    return i + 1;
                }
                else if (text[i] == '\n' && !verbatim)
                {
                    return i + 1;
                }
            }

            return end;
        }
    }
}
