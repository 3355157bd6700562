using System;
using System.Collections.Generic;
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
    /// It follows what <see cref="Flow.AddressFlow"/> follows, by name, as a superset.
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

        // Identity-mapped platforms: words through which a pointer (a physical address there) reaches a body.
        private static readonly string[] PointerWords =
        {
            "fixed", "stackalloc", "IntPtr", "UIntPtr", "nint", "nuint", "ToUInt64", "ToInt64", "ToPointer", "AsPointer",
            "AddrOfPinnedObject", "AllocHGlobal", "AllocCoTaskMem", "UnsafeAddrOfPinnedArrayElement",
        };

        private readonly bool _pointers;

        private AddressCarriers(List<string> sinks, List<string> carriers, List<string> forgers, List<string> busTypes, bool pointers)
        {
            _pointers = pointers;
            _sinks = sinks;
            _sinkNames = new HashSet<string>(sinks, StringComparer.Ordinal);
            _carriers = carriers;
            _forgers = forgers;
            _busTypes = busTypes;
        }

        /// <summary>Can a member called by this word reach a sink: is it a sink's, or a wrapper's whose text names one?</summary>
        public bool IsSinkName(string name) => _sinkNames.Contains(name);

        /// <summary>Names through which a physical or forged address can reach a body (exposed for tests).</summary>
        public IReadOnlyList<string> Carriers => _carriers;

        /// <summary>
        /// Can DMA001/DMA008 have anything to say about this block? It must name a sink, and either
        /// a carrier or something that makes a bus address outside the DMA API (a DmaAddr
        /// construction, <c>new(…)</c>, <c>default</c>, a call with an omitted bus-address argument).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public bool MayReachSink(SyntaxNode block)
        {
            var text = SourceWords.TextOf(block.SyntaxTree);
            var start = block.Span.Start;
            var end = Math.Min(block.Span.End, text.Length);
            return SourceWords.ContainsAnyWord(text, start, end, _sinks)
                && (SourceWords.ContainsAnyWord(text, start, end, _carriers) || SourceWords.ContainsAnyWord(text, start, end, _forgers)
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
                if (!ClearsAnElement(text, at, "default".Length, end))
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

            var before = start - 1;
            while (before >= 0 && char.IsWhiteSpace(text[before]))
            {
                before--;
            }

            if (before < 1 || text[before] != '=')
            {
                return false;
            }

            before--;
            while (before >= 0 && char.IsWhiteSpace(text[before]))
            {
                before--;
            }

            return before >= 0 && text[before] == ']';
        }

        /// <summary>Computes the carriers of a compilation.</summary>
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
            ExternalCarriers.Add(compilation, symbols, physicalTypeList, busTypeList, carriers, forgers, sinks, cancellationToken);
            var busTypeNameList = new List<string>(busTypeNames);
            var declarations = SourceDeclarations.Read(compilation, addressLike, busTypeNameList, cancellationToken);
            forgers.UnionWith(declarations.Forgers);
            forgers.UnionWith(declarations.Constants);
            if (symbols.PointersArePhysical)
            {
                carriers.UnionWith(PointerWords);
                carriers.UnionWith(declarations.PointerMembers);
            }

            declarations.Propagate(carriers, cancellationToken);
            var device = new HashSet<string>(StringComparer.Ordinal);
            foreach (var type in symbols.DeviceMemoryTypes)
            {
                device.Add(type.Name);
            }

            device.UnionWith(names.DeviceMemory);
            if (device.Count > 0)
            {
                // Device memory: members that hold or return it (propagated like the carriers), and
                // helpers that store through what they are given, are where a store may be a sink.
                declarations.ResetPropagation();
                declarations.Propagate(device, cancellationToken);
                sinks.UnionWith(device);
                sinks.UnionWith(declarations.StoreHelpers());
            }

            declarations.PropagateSinks(sinks, cancellationToken);
            return new AddressCarriers(new List<string>(sinks), new List<string>(carriers), new List<string>(forgers), busTypeNameList, symbols.PointersArePhysical);
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
