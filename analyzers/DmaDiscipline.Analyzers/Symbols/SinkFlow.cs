using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using static DmaDiscipline.Analyzers.Symbols.ContentFlow;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Which words of a member declaration may hold a value that reaches a device-visible sink, read
    /// backwards from its text alone (tokens, nothing bound): the summary generator's gate for the
    /// <c>bus-sink</c> lines (<see cref="SourceDeclarations.SinkBoundNames"/>). A statement that names a
    /// sink word (a sink a device reads, a wrapper of one; device memory only beside a store call)
    /// binds every word in it, unless it assigns into the sink (<c>desc.Addr = v</c>, <c>*(ring + 8) = v</c>:
    /// then only its right-hand side; <c>ring = v</c> gives device memory's variable a new value, no store); an assignment to a bound
    /// target binds its right-hand side; a statement passing a bound word as <c>out</c>/<c>ref</c>
    /// binds its words; where the declaration's own value is bound (a getter, a method whose result
    /// reaches a sink), its <c>return</c> and <c>=&gt;</c> statements bind theirs. A field, property or
    /// method among the bound words is a bound name; a declaration with any sink-touching statement is a
    /// wrapper, its call name a sink word. A superset: where the text is ambiguous, more is bound.
    /// </summary>
    internal sealed class SinkFlow
    {
        private readonly HashSet<string> _sinks;
        private readonly HashSet<string> _bound;
        private readonly HashSet<string> _named;
        private readonly HashSet<string> _device;
        private readonly HashSet<string> _fresh;
        private readonly HashSet<string>? _freshReads;
        private readonly WordPool _pool = new WordPool();
        private readonly AddedNames _added = new AddedNames();

        /// <param name="sinks">The sink words so far; grown with the wrappers found.</param>
        /// <param name="bound">The bound names so far; grown by <see cref="Read"/>.</param>
        /// <param name="named">The fields, properties and methods the source declares: only these become bound names.</param>
        /// <param name="device">The sink words that are device memory: assigning one a new value is not a store into it.</param>
        /// <param name="fresh">
        /// Calls whose value is a fresh bus address or device memory, none of their receiver or arguments in it (the DMA API's
        /// map and coherent-alloc members, where the source declares no member of the name): assigned, they bind nothing.
        /// </param>
        /// <param name="freshReads">
        /// Members whose value is a fresh bus address whatever their receiver and arguments (<see cref="BusMembers"/>): the words of a
        /// read of one (<see cref="ContentFlow.FreshReads"/>) are not bound by what it reaches. Null or empty: none.
        /// </param>
        public SinkFlow(HashSet<string> sinks, HashSet<string> bound, HashSet<string> named, HashSet<string> device, HashSet<string> fresh, HashSet<string>? freshReads = null)
        {
            _freshReads = freshReads;
            _device = device;
            _fresh = fresh;
            _sinks = sinks;
            _bound = bound;
            _named = named;
        }

        /// <summary>Adds a sink word (a wrapper's call name); true when it is new.</summary>
        public bool AddSink(string name) => _added.AddTo(_sinks, name);

        /// <summary>The sink words and bound names added since the last call.</summary>
        public List<string> TakeAdded() => _added.Take();

        /// <summary>Reads [start, end) of <paramref name="text"/> to a fixpoint over its statements; true when a statement touches a sink or a bound target.</summary>
        /// <param name="returnsBound">Does what the declaration returns reach a sink (its name is bound)?</param>
        [MethodImpl(Jit.Optimized)]
        public bool Read(string text, int start, int end, bool returnsBound) => Read(text, start, end, returnsBound, new HashSet<string>(StringComparer.Ordinal));

        /// <summary>
        /// The words of [start, end) that may hold a value reaching a sink, read as <see cref="Read"/> reads them with what
        /// the declaration returns taken as bound: a parameter of a method not among them reaches no sink in it. A superset.
        /// </summary>
        public HashSet<string> BoundWords(string text, int start, int end)
        {
            var bound = new HashSet<string>(StringComparer.Ordinal);
            Read(text, start, end, returnsBound: true, bound);
            return bound;
        }

        /// <param name="local">The words bound in the declaration (filled).</param>
        [MethodImpl(Jit.Optimized)]
        private bool Read(string text, int start, int end, bool returnsBound, HashSet<string> local)
        {
            var tokens = TakeTokens(text, start, end, _pool);
            try
            {
                return Read(tokens, returnsBound, local);
            }
            finally
            {
                GiveBack(tokens);
            }
        }

        [MethodImpl(Jit.Optimized)]
        private bool Read(List<Token> tokens, bool returnsBound, HashSet<string> local)
        {
            var freshReads = FreshReads(tokens, _freshReads);
            var touched = false;
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

                    if (i > from)
                    {
                        grew |= Statement(tokens, from, i, local, returnsBound, freshReads, ref touched);
                    }

                    from = i + 1;
                }
            }
            while (grew);

            foreach (var word in local)
            {
                if (_named.Contains(word))
                {
                    _added.AddTo(_bound, word);
                }
            }

            return touched;
        }

        private bool Statement(List<Token> tokens, int from, int to, HashSet<string> local, bool returnsBound, bool[]? freshReads, ref bool touched)
        {
            // An assignment into a sink or a bound target (desc.Addr = v, _base = v): its right-hand side reaches it, not the index.
            var grew = false;
            var assigns = false;
            for (var i = from; i < to; i++)
            {
                if (!IsAssignment(tokens, i))
                {
                    continue;
                }

                var targets = TargetWords(tokens, from, i, out var start);

                // _ring = v gives the variable other memory; *_ring = v, _ring[i] = v, _ring->Addr = v store into it.
                var rebinds = targets.Count == 1 && _device.Contains(targets[0]) && !(start > from && tokens[start - 1].Word is null && tokens[start - 1].Char == '*')
                    && !(start + 1 < i && tokens[start + 1].Word is null && tokens[start + 1].Char == '[');
                foreach (var target in targets)
                {
                    if ((_sinks.Contains(target) && !rebinds) || IsBound(target, local))
                    {
                        touched = assigns = true;
                        if (!IsFreshCall(tokens, i + 1, to))
                        {
                            grew |= BindAll(tokens, i + 1, to, local, freshReads);
                        }

                        break;
                    }
                }
            }

            if (assigns)
            {
                return grew;
            }

            // A sink or a wrapper named; device memory named with a store call (Unsafe.Write(p, v), BinaryPrimitives.Write…(span, v),
            // Interlocked.Exchange(ref m, v)) — device memory only read, or only allocated, is no store.
            var all = false;
            var byReference = false;
            var device = false;
            var storeCall = false;
            for (var i = from; i < to && !all; i++)
            {
                if (tokens[i].Word is { } word)
                {
                    if (_sinks.Contains(word))
                    {
                        all = !_device.Contains(word);
                        device = true;
                    }

                    all |= returnsBound && word == "return";
                    byReference |= word == "out" || word == "ref";
                    storeCall |= word.StartsWith("Write", StringComparison.Ordinal) || word.StartsWith("TryWrite", StringComparison.Ordinal) || word == "Exchange";
                }
                else if (returnsBound && IsArrow(tokens, i))
                {
                    all = true;
                }
            }

            all |= device && storeCall;

            if (!all && byReference)
            {
                // Foo(a, out x) with x bound: what Foo writes to x came from its arguments.
                for (var i = from; i < to && !all; i++)
                {
                    all = tokens[i].Word is { } word && IsBound(word, local);
                }
            }

            if (all)
            {
                touched = true;
                grew |= BindAll(tokens, from, to, local, freshReads);
            }

            return grew;
        }

        /// <summary>
        /// Is [from, to) one call of a fresh-value member and nothing else — <c>_dma.MapSingle(buffer, 0, n, dir)</c>, a receiver
        /// named by words and dots, the arguments in one pair of parentheses? What it gives is made by the call: the receiver's
        /// and the arguments' words reach nothing through it. Anything else around the call (an operator, a member of its
        /// result, <c>await</c>, type arguments) is not known to be fresh.
        /// </summary>
        private bool IsFreshCall(List<Token> tokens, int from, int to)
        {
            if (_fresh.Count == 0)
            {
                return false;
            }

            var i = from;
            string? called = null;
            while (i < to && tokens[i].Word is { } word)
            {
                called = word;
                i++;
                if (i < to && tokens[i].Word is null && tokens[i].Char == '.')
                {
                    i++;
                    continue;
                }

                break;
            }

            if (called is null || i >= to || tokens[i].Word is not null || tokens[i].Char != '(' || !_fresh.Contains(called))
            {
                return false;
            }

            var depth = 0;
            for (var j = i; j < to; j++)
            {
                if (tokens[j].Word is null && tokens[j].Char == '(')
                {
                    depth++;
                }
                else if (tokens[j].Word is null && tokens[j].Char == ')' && --depth == 0)
                {
                    return j == to - 1;
                }
            }

            return false;
        }

        private bool IsBound(string word, HashSet<string> local) => local.Contains(word) || _bound.Contains(word);

        /// <summary>Binds the words of [from, to), but those of a fresh member's read (its value is the member's, not theirs).</summary>
        private static bool BindAll(List<Token> tokens, int from, int to, HashSet<string> local, bool[]? freshReads)
        {
            var grew = false;
            for (var i = from; i < to; i++)
            {
                if (tokens[i].Word is { } word && (freshReads is null || !freshReads[i]))
                {
                    grew |= local.Add(word);
                }
            }

            return grew;
        }
    }
}
