using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The DMA001/DMA008 body prefilter: a body can only be reported when it names a device-visible
    /// sink (or unmap/sync, or a bus address construction) and also names something a raw physical
    /// address or a forged bus address can come through. The second set — the carriers — is computed
    /// once per compilation, from declarations and source text only (no binding): physical sources,
    /// members whose type holds a physical address, helpers of the compilation that return or write
    /// out one, and fields of an address-like type that some method of their type assigns from one.
    /// It follows what <see cref="Flow.AddressFlow"/> follows, by name, as a superset. A project that uses no sink and names
    /// no physical source (one that references the runtime or carries a symbols file but does no DMA) is told so from the
    /// words of its trees first (<see cref="SourceUses"/>); its declarations are then never read.
    /// </summary>
    internal sealed class AddressCarriers
    {
        // Types a field must have for AddressFlow to follow what is stored into it.
        private static readonly string[] AddressLikeTypeNames = { "ulong", "long", "uint", "nint", "nuint", "UInt64", "Int64", "UInt32", "IntPtr", "UIntPtr" };

        private readonly List<string> _sinks;
        private readonly HashSet<string> _sinkNames;
        private readonly List<string> _carriers;
        private readonly List<string> _forgers;
        private readonly List<string> _busTypes;

        // The same names for the body prefilter's whole-word test (carriers and forgers together: either will do).
        private readonly WordSet _sinkWords;
        private readonly WordSet _carrierOrForgerWords;

        // Identity-mapped platforms: words through which a pointer (a physical address there) reaches a body.
        private static readonly string[] PointerWords =
        {
            "fixed", "stackalloc", "IntPtr", "UIntPtr", "nint", "nuint", "ToUInt64", "ToInt64", "ToPointer", "AsPointer",
            "AddrOfPinnedObject", "AllocHGlobal", "AllocCoTaskMem", "UnsafeAddrOfPinnedArrayElement",
        };

        private readonly bool _pointers;

        // Does the source use a sink at all? When not, no body is analysed.
        private readonly bool _inReach;

        private AddressCarriers(List<string> sinks, List<string> carriers, List<string> forgers, List<string> busTypes, bool pointers, bool inReach, Content content, bool namesPhysical = true)
        {
            _content = content;
            _pointers = pointers;
            _inReach = inReach;
            NamesPhysical = namesPhysical;
            _sinks = sinks;
            _sinkNames = new HashSet<string>(sinks, StringComparer.Ordinal);
            _carriers = carriers;
            _forgers = forgers;
            _busTypes = busTypes;
            _sinkWords = new WordSet(sinks);
            _carrierOrForgerWords = new WordSet(carriers.Concat(forgers));
        }

        /// <summary>Does the source use a sink at all (decided once, in <see cref="Compute"/>)? When not, no body is analysed.</summary>
        public bool UsesSinks => _inReach;

        /// <summary>
        /// Were <see cref="UsesSinks"/> and <see cref="NamesPhysical"/> (both false) decided from the words of the trees, without
        /// reading the declarations (<see cref="SourceUses"/>)? For tests and benchmarks.
        /// </summary>
        internal bool DecidedFromWords { get; private set; }

        /// <summary>Does the source name a physical source or a member that carries one (or are pointers physical)?</summary>
        public bool NamesPhysical { get; }

        /// <summary>Can a member called by this word reach a sink: is it a sink's, or a wrapper's whose text names one?</summary>
        public bool IsSinkName(string name) => _sinkNames.Contains(name);

        private readonly Content _content;

        /// <summary>
        /// The names of the members that may hold or return a physical address or device memory (a superset, by
        /// words: <see cref="SourceDeclarations.ContentNames"/>), found on the first call: only the summary
        /// generator asks; the analyzers never pay for it.
        /// </summary>
        public HashSet<string> ContentNames(CancellationToken cancellationToken) => _content.Names(cancellationToken);

        /// <summary>
        /// Can the member declaration store a physical address or device memory into a field or property called
        /// <paramref name="name"/>, other than one its own parameters give: does its text, read as <see cref="ContentNames"/>
        /// reads it (<see cref="ContentFlow.HotWords"/>), make the name hot? A superset, by words.
        /// </summary>
        public bool MayStoreContent(SyntaxNode member, string name, CancellationToken cancellationToken) => _content.MayStore(member, name, cancellationToken);

        /// <summary>
        /// Can the word <paramref name="name"/> (a parameter's) hold, in the member declaration, a value that reaches a
        /// device-visible sink: is it bound there, read as <see cref="SinkBoundNames"/> reads it (<see cref="SinkFlow.BoundWords"/>)?
        /// A superset, by words.
        /// </summary>
        public bool MayReachSinkIn(SyntaxNode member, string name, CancellationToken cancellationToken) => _content.MayBind(member, name, cancellationToken);

        /// <summary>
        /// The call names of the members that may give a device-visible sink a parameter (<c>Sinks</c>), and the
        /// names of the fields, properties and methods whose value may reach one (<c>Bound</c>): supersets, by words
        /// (<see cref="SourceDeclarations.SinkBoundNames"/>), found on the first call — only the summary generator asks.
        /// Both empty where no sink is used.
        /// </summary>
        public (HashSet<string> Sinks, HashSet<string> Bound) SinkBoundNames(CancellationToken cancellationToken) => _content.SinkBound(cancellationToken);

        /// <summary>
        /// The declarations of the source that may be value-preserving helpers, by their signature's syntax
        /// (<see cref="SourceDeclarations.ValuePreservingCandidatesOf"/>, read once per tree): the summary generator looks no further.
        /// </summary>
        public IReadOnlyList<BaseMethodDeclarationSyntax> ValuePreservingCandidates => _content.ValuePreservingCandidates;

        /// <summary>
        /// The declarations <see cref="ContentNames"/> and <see cref="SinkBoundNames"/> are computed from, read on the first
        /// call where the carriers were decided without them; the seeds; the results once computed.
        /// </summary>
        private sealed class Content
        {
            private readonly IReadOnlyList<SyntaxTree> _trees;
            private readonly Func<CancellationToken, SourceDeclarations> _read;
            private readonly HashSet<string> _seeds;
            private readonly bool _pointers;
            private readonly object _gate = new object();
            private SourceDeclarations? _declarations;
            private HashSet<string>? _names;
            private (HashSet<string> Sinks, HashSet<string> Bound)? _sinkBound;
            private volatile List<BaseMethodDeclarationSyntax>? _candidates;

            // The trees, not the compilation: carriers shared through a tree (SharedCarriers) must not keep a compilation alive.
            public Content(IReadOnlyList<SyntaxTree> trees, Func<CancellationToken, SourceDeclarations> read, HashSet<string> seeds, bool pointers)
            {
                _trees = trees;
                _read = read;
                _seeds = seeds;
                _pointers = pointers;
            }

            private SourceDeclarations Declarations(CancellationToken cancellationToken)
            {
                lock (_gate)
                {
                    return _declarations ??= _read(cancellationToken);
                }
            }

            public IReadOnlyList<BaseMethodDeclarationSyntax> ValuePreservingCandidates
            {
                get
                {
                    if (_candidates is { } known)
                    {
                        return known;
                    }

                    var found = new List<BaseMethodDeclarationSyntax>();
                    foreach (var tree in _trees)
                    {
                        found.AddRange(SourceDeclarations.ValuePreservingCandidatesOf(tree));
                    }

                    // Two callers racing find the same list: either write is right.
                    return _candidates = found;
                }
            }

            /// <summary>Those of <see cref="DeviceSinks"/> that are device memory or hold it.</summary>
            public HashSet<string> DeviceMemory { get; } = new HashSet<string>(StringComparer.Ordinal);

            /// <summary>The DMA API's map and coherent-alloc calls no member of the source shares a name with: their value is fresh.</summary>
            public HashSet<string> Fresh { get; } = new HashSet<string>(StringComparer.Ordinal);

            /// <summary>
            /// The referenced members whose value is a fresh bus address whatever their receiver and arguments (<see cref="BusMembers"/>),
            /// where no member of the source shares the name and the source writes it only as a member read (after a '.'):
            /// a read of one brings nothing of its receiver or arguments (<see cref="ContentFlow.FreshReads"/>).
            /// </summary>
            public HashSet<string> FreshReads { get; } = new HashSet<string>(StringComparer.Ordinal);

            /// <summary>The sinks a device reads, where the analysis is in reach (null where no sink is used).</summary>
            public HashSet<string>? DeviceSinks { get; set; }

            public HashSet<string> Names(CancellationToken cancellationToken)
            {
                lock (_gate)
                {
                    return _names ??= Declarations(cancellationToken).ContentNames(_seeds, _pointers, FreshReads, cancellationToken);
                }
            }

            // The content names once found, read without growing them (no field is held, no constructor looked for), and
            // what each member declaration read so makes hot.
            private ContentFlow? _reader;
            private readonly System.Collections.Concurrent.ConcurrentDictionary<SyntaxNode, HashSet<string>> _hot =
                new System.Collections.Concurrent.ConcurrentDictionary<SyntaxNode, HashSet<string>>();

            public bool MayStore(SyntaxNode member, string name, CancellationToken cancellationToken)
            {
                if (!_hot.TryGetValue(member, out var hot))
                {
                    var reader = _reader ??= new ContentFlow(Names(cancellationToken), new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), _pointers, FreshReads);
                    var text = SourceWords.TextOf(member.SyntaxTree);
                    var end = Math.Min(member.Span.End, text.Length);
                    hot = _hot.GetOrAdd(member, member.Span.Start < end ? reader.HotWords(text, member.Span.Start, end) : new HashSet<string>(StringComparer.Ordinal));
                }

                return hot.Contains(name);
            }

            // The sink words and bound names once found, read without growing them, and what each member declaration binds.
            private SinkFlow? _sinkReader;
            private readonly System.Collections.Concurrent.ConcurrentDictionary<SyntaxNode, HashSet<string>> _bound =
                new System.Collections.Concurrent.ConcurrentDictionary<SyntaxNode, HashSet<string>>();

            public bool MayBind(SyntaxNode member, string name, CancellationToken cancellationToken)
            {
                if (!_bound.TryGetValue(member, out var bound))
                {
                    var (sinks, boundNames) = SinkBound(cancellationToken);
                    var reader = _sinkReader ??= new SinkFlow(sinks, boundNames, new HashSet<string>(StringComparer.Ordinal), DeviceMemory, Fresh, FreshReads);

                    // After a method's parameter list (its initializer and body): its signature names the method itself, a sink word.
                    var text = SourceWords.TextOf(member.SyntaxTree);
                    var start = member is BaseMethodDeclarationSyntax method ? method.ParameterList.Span.End : member.Span.Start;
                    var end = Math.Min(member.Span.End, text.Length);
                    bound = _bound.GetOrAdd(member, start < end ? reader.BoundWords(text, start, end) : new HashSet<string>(StringComparer.Ordinal));
                }

                return bound.Contains(name);
            }

            public (HashSet<string> Sinks, HashSet<string> Bound) SinkBound(CancellationToken cancellationToken)
            {
                lock (_gate)
                {
                    if (_sinkBound is null)
                    {
                        var sinks = new HashSet<string>(DeviceSinks ?? new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
                        var bound = DeviceSinks is null ? new HashSet<string>(StringComparer.Ordinal) : Declarations(cancellationToken).SinkBoundNames(sinks, DeviceMemory, Fresh, FreshReads, cancellationToken);
                        _sinkBound = (sinks, bound);
                    }

                    return _sinkBound.Value;
                }
            }
        }

        /// <summary>Names through which a physical or forged address can reach a body (exposed for tests).</summary>
        public IReadOnlyList<string> Carriers => _carriers;

        /// <summary>
        /// Can DMA001/DMA008 have anything to say about this block? The compilation must use a sink
        /// somewhere (decided once, in <see cref="Compute"/>); the block must name a sink, and either
        /// a carrier or something that makes a bus address outside the DMA API (a DmaAddr
        /// construction, <c>new(…)</c>, <c>default</c>, a call with an omitted bus-address argument).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public bool MayReachSink(SyntaxNode block)
        {
            if (!_inReach)
            {
                return false;
            }

            var text = SourceWords.TextOf(block.SyntaxTree);
            var start = block.Span.Start;
            var end = Math.Min(block.Span.End, text.Length);
            return _sinkWords.AnyIn(text, start, end)
                && (_carrierOrForgerWords.AnyIn(text, start, end)
                    || Forges(text, start, end, _busTypes)
                    || HasNonZeroNumber(text, start, end)
                    || (_pointers && start < end && text.IndexOf('*', start, end - start) >= 0));
        }

        /// <summary>
        /// Does [start, end) hold a numeric literal of 0x1000 or more (four significant hex digits, or
        /// four decimal digits): a hard-coded device address may be one; smaller ones are offsets and flags.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        internal static bool HasNonZeroNumber(string text, int start, int end)
        {
            for (var at = start; at < end; at++)
            {
                var c = text[at];
                if (c < '0' || c > '9' || (at > 0 && SourceWords.IsWordChar(text[at - 1])))
                {
                    continue;
                }

                var hex = c == '0' && at + 1 < end && (text[at + 1] == 'x' || text[at + 1] == 'X');
                var i = hex ? at + 2 : at;
                while (i < end && (text[i] == '0' || text[i] == '_'))
                {
                    i++;
                }

                var significant = 0;
                while (i < end && (Uri.IsHexDigit(text[i]) || text[i] == '_'))
                {
                    if (text[i] != '_' && (hex || char.IsDigit(text[i])))
                    {
                        significant++;
                    }

                    i++;
                }

                if (significant >= 4)
                {
                    return true;
                }

                at = i;
            }

            return false;
        }

        /// <summary>Does [start, end) make a bus address outside the DMA API: <c>default</c>, <c>new(</c>, <c>DmaAddr(</c>, <c>DmaAddr {</c>?</summary>
        [MethodImpl(Jit.Optimized)]
        internal static bool Forges(string text, int start, int end, IReadOnlyList<string> busTypes)
        {
            for (var at = SourceWords.IndexOfWord(text, "default", start, end); at >= 0; at = SourceWords.IndexOfWord(text, "default", at + 1, end))
            {
                if (!ClearsAnElement(text, at, "default".Length, end) && !IsSwitchLabel(text, at, "default".Length, end))
                {
                    return true;
                }
            }

            for (var at = SourceWords.IndexOfWord(text, "new", start, end); at >= 0; at = SourceWords.IndexOfWord(text, "new", at + 1, end))
            {
                if (SourceWords.NextNonSpace(text, at + "new".Length, end, out _) == '(')
                {
                    return true;
                }
            }

            for (var i = 0; i < busTypes.Count; i++)
            {
                var type = busTypes[i];
                for (var at = SourceWords.IndexOfWord(text, type, start, end); at >= 0; at = SourceWords.IndexOfWord(text, type, at + 1, end))
                {
                    var next = SourceWords.NextNonSpace(text, at + type.Length, end, out _);
                    if (next == '(' || next == '{')
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>
        /// <c>default:</c> in a switch is a label, not a value; <c>c ? default : x</c> is a value (a
        /// '?' before it). An emulator's or a parser's decode switch has one in every body.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static bool IsSwitchLabel(string text, int start, int length, int end)
        {
            if (SourceWords.NextNonSpace(text, start + length, end, out _) != ':')
            {
                return false;
            }

            var before = SourceWords.PreviousNonSpace(text, start - 1);
            return before < 0 || text[before] != '?';
        }

        /// <summary>
        /// <c>slots[i] = default;</c>: the flow does not follow array elements, so a default stored
        /// into one can reach no sink. Ring code clears its slots like this in every completion path.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static bool ClearsAnElement(string text, int start, int length, int end)
        {
            if (SourceWords.NextNonSpace(text, start + length, end, out _) != ';')
            {
                return false;
            }

            var before = SourceWords.PreviousNonSpace(text, start - 1);
            if (before < 1 || text[before] != '=')
            {
                return false;
            }

            before = SourceWords.PreviousNonSpace(text, before - 1);
            return before >= 0 && text[before] == ']';
        }

        /// <summary>
        /// Computes the carriers of a compilation. Two compilations share the result (<see cref="SharedCarriers"/>): what it
        /// reads besides the trees and references must be named in <c>DmaSymbols.CarrierInputs</c>.
        /// </summary>
        public static AddressCarriers Compute(Compilation compilation, DmaSymbols symbols, InterestingNames names, IEnumerable<ITypeSymbol> physicalTypes, IEnumerable<ITypeSymbol> busTypes, CancellationToken cancellationToken)
        {
            var sinks = new HashSet<string>(names.Sinks, StringComparer.Ordinal);
            var carriers = new HashSet<string>(names.Physical, StringComparer.Ordinal);
            var forgers = new HashSet<string>(StringComparer.Ordinal);
            var busTypeNames = new HashSet<string>(StringComparer.Ordinal);
            var addressLike = new HashSet<string>(AddressLikeTypeNames, StringComparer.Ordinal);
            var physicalTypeList = new List<ITypeSymbol>(physicalTypes);
            var busTypeList = new List<ITypeSymbol>(busTypes);
            foreach (var type in physicalTypeList)
            {
                carriers.Add(type.Name);
                addressLike.Add(type.Name);
            }

            foreach (var type in busTypeList)
            {
                busTypeNames.Add(type.Name);
                sinks.Add(type.Name);
                addressLike.Add(type.Name);
            }

            AddAliases(compilation, carriers, busTypeNames, sinks, addressLike, cancellationToken);
            var sinkOwners = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var externalDevice = new HashSet<string>(StringComparer.Ordinal);
            var deviceSinks = new HashSet<string>(names.DeviceSinks, StringComparer.Ordinal);
            var sinksBefore = new HashSet<string>(sinks, StringComparer.Ordinal);
            // A method given a physical address in a marked parameter shows it by its own name, in its declaration or an
            // implementation's: a body need not use any other carrier.
            var given = new HashSet<string>(names.GivenPhysical, StringComparer.Ordinal);
            var busMembers = new BusMembers();
            ExternalCarriers.Add(compilation, symbols, physicalTypeList, busTypeList, carriers, given, forgers, sinks, sinkOwners, externalDevice, busMembers, cancellationToken);
            carriers.UnionWith(given);
            foreach (var name in sinks)
            {
                // What the referenced assemblies add is bus sinks and device memory, never unmap or sync.
                if (!sinksBefore.Contains(name))
                {
                    deviceSinks.Add(name);
                }
            }

            var busTypeNameList = new List<string>(busTypeNames);
            var device = new HashSet<string>(StringComparer.Ordinal);
            foreach (var type in symbols.DeviceMemoryTypes)
            {
                device.Add(type.Name);
            }

            device.UnionWith(names.DeviceMemory);

            // What is in reach, decided once: a project that uses none of the sinks (named bus sinks,
            // unmap/sync, the bus address type, device memory) — one that references the runtime or
            // carries a symbols file but does no DMA — has no body to analyse, whatever else its text
            // holds (a parameter marked [DeviceMemory] is a use, by its own method's body); and
            // without a physical source in use (or identity-mapped pointers) no word can carry a
            // physical address into a body.
            var seeds = new HashSet<string>(sinks, StringComparer.Ordinal);
            seeds.UnionWith(device);
            var trees = new List<SyntaxTree>(compilation.SyntaxTrees);
            var readDeclarations = new Func<CancellationToken, SourceDeclarations>(token => SourceDeclarations.Read(trees, addressLike, busTypeNameList, token));
            if (!symbols.PointersArePhysical && !names.MarksDeviceMemoryParameter
                && new SourceUses(symbols.CodeTrees(cancellationToken), cancellationToken).NoneInReach(seeds, sinkOwners, sinksBefore, carriers))
            {
                // Decided from the words of the trees: the declarations are not read (ContentNames and SinkBoundNames would
                // read them if asked; the summary generator asks neither where nothing is in reach).
                var seedsOfContent = new HashSet<string>(carriers, StringComparer.Ordinal);
                seedsOfContent.UnionWith(device);
                seedsOfContent.UnionWith(externalDevice);
                return new AddressCarriers(new List<string>(sinks), new List<string>(), new List<string>(), new List<string>(), pointers: false, inReach: false,
                    new Content(trees, readDeclarations, seedsOfContent, pointers: false), namesPhysical: false) { DecidedFromWords = true };
            }

            var declarations = readDeclarations(cancellationToken);
            forgers.UnionWith(declarations.Forgers);
            forgers.UnionWith(declarations.Constants);
            if (symbols.PointersArePhysical)
            {
                carriers.UnionWith(PointerWords);
                carriers.UnionWith(declarations.PointerMembers);
            }

            // Where a held or returned physical address or device memory starts, for the summary generator (ContentNames):
            // taken before the propagations below add to these sets.
            var contentSeeds = new HashSet<string>(carriers, StringComparer.Ordinal);
            contentSeeds.UnionWith(device);
            contentSeeds.UnionWith(externalDevice);
            if (symbols.PointersArePhysical)
            {
                contentSeeds.UnionWith(PointerWords);
                contentSeeds.UnionWith(declarations.PointerMembers);
            }

            var content = new Content(trees, _ => declarations, contentSeeds, symbols.PointersArePhysical);
            if (!names.MarksDeviceMemoryParameter && !InReach(declarations, seeds, sinkOwners, sinksBefore))
            {
                // The summary generator still publishes what such a project's helpers return (a physical address, what they are given).
                var namesPhysical = symbols.PointersArePhysical || declarations.UsedNames(carriers).Count > 0;
                var published = new List<string>(sinks);
                if (namesPhysical)
                {
                    // A block type's store into its own memory (published as receiver-sink): helpers that store through a pointer.
                    published.AddRange(declarations.StoreHelpers());
                }

                return new AddressCarriers(published, new List<string>(), new List<string>(), new List<string>(), pointers: false, inReach: false, content, namesPhysical);
            }

            if (!symbols.PointersArePhysical && declarations.UsedNames(carriers).Count == 0)
            {
                // Forged addresses still travel through members (a field reset to default): propagated below.
                carriers.Clear();
                carriers.UnionWith(given);
            }

            declarations.Propagate(carriers, forgeriesCarry: true, cancellationToken);

            // x.Data.Base: a member made per allocation site (a hard-coded address given to the new), of this
            // project's classes or described by another project's made-with lines (Flow/MadeMembers.cs).
            forgers.UnionWith(declarations.ConstructorOnlyMembers);
            foreach (var holder in symbols.MadeWithHolders)
            {
                forgers.Add(holder.Name);
            }

            if (device.Count > 0 && declarations.UsedNames(device).Count > 0)
            {
                // Device memory: members that hold or return it (propagated like the carriers), and
                // helpers that store through what they are given, are where a store may be a sink.
                declarations.ResetPropagation();
                declarations.Propagate(device, forgeriesCarry: false, cancellationToken);
                sinks.UnionWith(device);
                deviceSinks.UnionWith(device);
                deviceSinks.UnionWith(declarations.StoreHelpers());
                content.DeviceMemory.UnionWith(device);
                sinks.UnionWith(declarations.StoreHelpers());
            }

            declarations.PropagateSinks(sinks, cancellationToken);
            content.DeviceSinks = deviceSinks;
            foreach (var name in names.Mapping)
            {
                if (!declarations.Declares(name))
                {
                    content.Fresh.Add(name);
                }
            }

            var codeTrees = symbols.CodeTrees(cancellationToken);
            foreach (var name in busMembers.Names(symbols))
            {
                if (!declarations.Declares(name) && OnlyMemberReads(codeTrees, name))
                {
                    content.FreshReads.Add(name);
                }
            }

            content.DeviceMemory.UnionWith(externalDevice);
            content.DeviceMemory.UnionWith(names.DeviceMemory);
            return new AddressCarriers(new List<string>(sinks), new List<string>(carriers), new List<string>(forgers), busTypeNameList, symbols.PointersArePhysical, inReach: true, content);
        }

        /// <summary>
        /// Is every place the trees write <paramref name="name"/> (as a word: code, comments and strings alike) after a '.', a member
        /// read? Not where it is declared or named otherwise (a local, a parameter, a tuple element, an anonymous type's member, a
        /// named argument): words could not tell that one from the referenced member.
        /// </summary>
        private static bool OnlyMemberReads(IReadOnlyList<SyntaxTree> trees, string name)
        {
            foreach (var tree in trees)
            {
                if (!SourceWords.MayHoldWord(tree, name))
                {
                    continue;
                }

                var text = SourceWords.TextOf(tree);
                for (var at = SourceWords.IndexOfWord(text, name, 0, text.Length); at >= 0; at = SourceWords.IndexOfWord(text, name, at + name.Length, text.Length))
                {
                    var before = SourceWords.PreviousNonSpace(text, at - 1);
                    if (before < 0 || text[before] != '.')
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>
        /// Does the source use one of the sinks? A referenced assembly's sink whose name the source
        /// also declares (an emulator's own <c>Addr</c> field beside the runtime's descriptor field)
        /// counts only when the source also names a type that declares the sink — unless the source's
        /// own member of that name is a sink too (marked <c>[BusAddress]</c> in source, or configured):
        /// a driver's own descriptor with an <c>Addr</c> field is in reach whatever the runtime declares.
        /// </summary>
        private static bool InReach(SourceDeclarations declarations, HashSet<string> seeds, Dictionary<string, HashSet<string>> sinkOwners, HashSet<string> ownSinks)
        {
            foreach (var name in declarations.UsedNames(seeds))
            {
                if (!sinkOwners.TryGetValue(name, out var owners) || ownSinks.Contains(name) || !declarations.Declares(name) || declarations.UsedNames(owners).Count > 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Where names are used in the source, decided from the words of its trees (<see cref="SourceWords.MayHoldWord"/>)
        /// and the few places a word occurs, without reading the declarations: what <see cref="SourceDeclarations.UsedNames"/>
        /// and <see cref="SourceDeclarations.Declares"/> would say, where that is certain. A name no tree holds is not used;
        /// an occurrence outside every member (a type's own name, a using, an enum) is no use; the name of the member it
        /// declares, once in that member, is no use but a declaration. Anything else is taken for a use: the declarations
        /// are then read, and decide.
        /// </summary>
        internal sealed class SourceUses
        {
            // A name declared this many times is left to the declarations (each place costs a look at the syntax).
            private const int PlacesLooked = 16;

            private readonly IReadOnlyList<SyntaxTree> _trees;
            private readonly CancellationToken _cancellationToken;

            public SourceUses(IReadOnlyList<SyntaxTree> trees, CancellationToken cancellationToken)
            {
                _trees = trees;
                _cancellationToken = cancellationToken;
            }

            /// <summary>
            /// Is it certain that no sink is in reach and no physical carrier named — what <see cref="InReach"/> and
            /// <c>UsedNames(carriers)</c> would decide — without the declarations? False when that needs them.
            /// </summary>
            public bool NoneInReach(HashSet<string> seeds, Dictionary<string, HashSet<string>> sinkOwners, HashSet<string> ownSinks, HashSet<string> carriers)
            {
                foreach (var name in seeds)
                {
                    if (Unused(name, out _))
                    {
                        continue;
                    }

                    // InReach's exception: a referenced assembly's sink whose name the source declares for its own member,
                    // in a source that names no type declaring the sink.
                    if (!sinkOwners.TryGetValue(name, out var owners) || ownSinks.Contains(name) || !Declared(name))
                    {
                        return false;
                    }

                    foreach (var owner in owners)
                    {
                        if (!Unused(owner, out _))
                        {
                            return false;
                        }
                    }
                }

                foreach (var name in carriers)
                {
                    if (!Unused(name, out _))
                    {
                        return false;
                    }
                }

                return true;
            }

            /// <summary>Is the name certainly not used (<see cref="SourceDeclarations.UsedNames"/> would not find it)? <paramref name="declared"/>: some member of this name was seen declared.</summary>
            internal bool Unused(string name, out bool declared)
            {
                declared = false;
                var looked = 0;
                foreach (var tree in _trees)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (!SourceWords.MayHoldWord(tree, name))
                    {
                        continue;
                    }

                    var text = SourceWords.TextOf(tree);
                    for (var at = SourceWords.IndexOfWord(text, name, 0, text.Length); at >= 0; at = SourceWords.IndexOfWord(text, name, at + 1, text.Length))
                    {
                        if (++looked > PlacesLooked)
                        {
                            return false;
                        }

                        switch (Place(tree, text, at, name))
                        {
                            case Occurrence.OutsideMembers:
                                break;
                            case Occurrence.OwnName:
                                declared = true;
                                break;
                            default:
                                return false;
                        }
                    }
                }

                return true;
            }

            /// <summary>Is a member of this name certainly declared (<see cref="SourceDeclarations.Declares"/> would say so)?</summary>
            internal bool Declared(string name)
            {
                var looked = 0;
                foreach (var tree in _trees)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (!SourceWords.MayHoldWord(tree, name))
                    {
                        continue;
                    }

                    var text = SourceWords.TextOf(tree);
                    for (var at = SourceWords.IndexOfWord(text, name, 0, text.Length); at >= 0 && ++looked <= PlacesLooked; at = SourceWords.IndexOfWord(text, name, at + 1, text.Length))
                    {
                        if (Member(tree.GetRoot(_cancellationToken).FindToken(at), out _) is { } member && Holds(member, text, at, name) && OwnNames(member, name))
                        {
                            return true;
                        }
                    }
                }

                return false;
            }

            /// <summary>Is [at, at + name's length) inside the member's text as the declarations cut it (its span, not the trivia around)?</summary>
            private static bool Holds(SyntaxNode member, string text, int at, string name) =>
                at >= member.Span.Start && at + name.Length <= Math.Min(member.Span.End, text.Length);

            private enum Occurrence
            {
                /// <summary>In no member's text (as <see cref="SourceDeclarations"/> cuts it): no use.</summary>
                OutsideMembers,

                /// <summary>The name of the member it is in, and the only occurrence in that member: a declaration, no use.</summary>
                OwnName,

                /// <summary>Anything else: taken for a use.</summary>
                Use,
            }

            /// <summary>What the word at <paramref name="at"/> is, as <see cref="SourceDeclarations.UsedNames"/> reads it.</summary>
            private Occurrence Place(SyntaxTree tree, string text, int at, string name)
            {
                var member = Member(tree.GetRoot(_cancellationToken).FindToken(at), out var outside);
                if (member is null)
                {
                    return outside ? Occurrence.OutsideMembers : Occurrence.Use;
                }

                if (!Holds(member, text, at, name))
                {
                    // In the trivia before or after the member: between members.
                    return Occurrence.OutsideMembers;
                }

                var start = member.Span.Start;
                var end = Math.Min(member.Span.End, text.Length);
                return OwnNames(member, name) && SourceWords.IndexOfWord(text, name, start, end) == at && SourceWords.IndexOfWord(text, name, at + 1, end) < 0
                    ? Occurrence.OwnName
                    : Occurrence.Use;
            }

            /// <summary>
            /// The member (<see cref="SourceDeclarations"/>' unit) whose declaration holds the token: a member of a type other
            /// than a nested type, a delegate, a primary-constructor parameter. Null with <paramref name="outside"/> when the
            /// token is in no member (a type's header, a namespace, a using, an enum); null without it when unsure.
            /// </summary>
            private static SyntaxNode? Member(SyntaxToken token, out bool outside)
            {
                outside = false;
                for (var node = token.Parent; node is not null; node = node.Parent)
                {
                    switch (node)
                    {
                        case DelegateDeclarationSyntax _:
                            return Reached(node.Parent) ? node : null;
                        case ParameterSyntax parameter when parameter.Parent?.Parent is TypeDeclarationSyntax type && type.ParameterList == parameter.Parent:
                            return parameter.Type is not null && Reached(type) ? parameter : null;
                        case BaseTypeDeclarationSyntax _:
                        case BaseNamespaceDeclarationSyntax _:
                        case CompilationUnitSyntax _:
                            // A type's header, its attributes, an enum: read by no unit (a nested type is none either).
                            outside = Reached(node);
                            return null;
                        case MemberDeclarationSyntax member when member.Parent is TypeDeclarationSyntax type:
                            return Reached(type) ? member : null;
                    }
                }

                return null;
            }

            /// <summary>Do the declarations read reach this node: is it the compilation unit, or a namespace or type declared in namespaces and types only?</summary>
            private static bool Reached(SyntaxNode? node)
            {
                for (; node is not null; node = node.Parent)
                {
                    if (node is CompilationUnitSyntax)
                    {
                        return true;
                    }

                    if (!(node is BaseNamespaceDeclarationSyntax || node is TypeDeclarationSyntax || node is EnumDeclarationSyntax))
                    {
                        return false;
                    }
                }

                return false;
            }

            /// <summary>
            /// Is <paramref name="name"/> one of the member's own names, as <see cref="SourceDeclarations"/> records them: its
            /// name (a field's: its variables'); its type's for a constructor or an indexer, and besides their own for a
            /// primary-constructor parameter, a Deconstruct or a GetEnumerator. Operators, conversions and finalizers have none.
            /// </summary>
            private static bool OwnNames(SyntaxNode member, string name)
            {
                var typeName = (member.Parent as TypeDeclarationSyntax)?.Identifier.ValueText;
                switch (member)
                {
                    case MethodDeclarationSyntax method:
                        var own = method.Identifier.ValueText;
                        return own == name || ((own == "Deconstruct" || own == "GetEnumerator") && typeName == name);
                    case ParameterSyntax parameter:
                        return parameter.Identifier.ValueText == name || (parameter.Parent?.Parent as TypeDeclarationSyntax)?.Identifier.ValueText == name;
                    case PropertyDeclarationSyntax property:
                        return property.Identifier.ValueText == name;
                    case EventDeclarationSyntax @event:
                        return @event.Identifier.ValueText == name;
                    case ConstructorDeclarationSyntax _:
                    case IndexerDeclarationSyntax _:
                        return typeName == name;
                    case DelegateDeclarationSyntax @delegate:
                        return @delegate.Identifier.ValueText == name;
                    case BaseFieldDeclarationSyntax field:
                        foreach (var variable in field.Declaration.Variables)
                        {
                            if (variable.Identifier.ValueText == name)
                            {
                                return true;
                            }
                        }

                        return false;
                    default:
                        return false;
                }
            }
        }

        /// <summary><c>using PA = DmaDiscipline.Runtime.PhysAddr;</c>: the alias names the same type.</summary>
        private static void AddAliases(Compilation compilation, HashSet<string> carriers, HashSet<string> busTypeNames, HashSet<string> sinks, HashSet<string> addressLike, CancellationToken cancellationToken)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                var root = tree.GetRoot(cancellationToken);
                foreach (var node in root.DescendantNodes(n => n is CompilationUnitSyntax || n is BaseNamespaceDeclarationSyntax))
                {
                    if (!(node is UsingDirectiveSyntax directive) || directive.Alias is null)
                    {
                        continue;
                    }

                    var alias = directive.Alias.Name.Identifier.ValueText;
                    var target = SourceDeclarations.LastName(directive.NamespaceOrType.ToString());
                    if (carriers.Contains(target))
                    {
                        carriers.Add(alias);
                    }

                    if (busTypeNames.Contains(target))
                    {
                        busTypeNames.Add(alias);
                        sinks.Add(alias);
                    }

                    if (addressLike.Contains(target))
                    {
                        addressLike.Add(alias);
                    }
                }
            }
        }
    }
}
