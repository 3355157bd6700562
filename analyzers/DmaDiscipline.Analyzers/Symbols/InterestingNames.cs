using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Names that a body must mention for a rule to have anything to say about it. Bodies without
    /// one are skipped on their tokens alone, before an operation tree or a control-flow graph is
    /// built — that is what keeps the analyzers cheap on the bulk of a driver's code. The names
    /// are a superset: the rules themselves decide by symbol.
    /// </summary>
    internal sealed class InterestingNames
    {
        private InterestingNames(IReadOnlyList<SyntaxTree> trees, HashSet<string> mapping, HashSet<string> physical, HashSet<string> sinks)
        {
            _trees = trees;
            Mapping = mapping;
            Physical = physical;
            Sinks = sinks;
        }

        /// <summary>Map and coherent-alloc methods.</summary>
        public HashSet<string> Mapping { get; }

        /// <summary>Unmap and coherent-free methods: a body that releases a handle it did not map is followed too (DMA006).</summary>
        public HashSet<string> Release { get; } = new HashSet<string>(System.StringComparer.Ordinal);

        /// <summary><see cref="Release"/>, for the prefilters' whole-word test.</summary>
        public WordSet ReleaseWords => _releaseWords ??= new WordSet(Release);

        private WordSet? _releaseWords;

        /// <summary>Members the compilation or the configuration declares device memory (for a parameter: its method).</summary>
        public HashSet<string> DeviceMemory { get; } = new HashSet<string>(System.StringComparer.Ordinal);

        /// <summary>
        /// Does the source mark a parameter <c>[DeviceMemory]</c>? Its method's body stores through device
        /// memory, a use no other name shows (the method may have no caller in this project).
        /// </summary>
        public bool MarksDeviceMemoryParameter { get; private set; }

        /// <summary>The sinks a device reads from (bus sinks, device memory, receiver sinks), not unmap/sync: what the summary generator follows back.</summary>
        public HashSet<string> DeviceSinks { get; } = new HashSet<string>(System.StringComparer.Ordinal);

        /// <summary>Physical sources.</summary>
        public HashSet<string> Physical { get; }

        /// <summary>Methods the source or the configuration marks as given a physical address in a parameter passed by value (<c>OnFrame([PhysicalAddressSource] ulong pa)</c>, <c>physical-source(pa)</c>).</summary>
        public HashSet<string> GivenPhysical { get; } = new HashSet<string>(System.StringComparer.Ordinal);

        /// <summary>Where DMA001/DMA008 report: bus sinks, unmap/sync, bus address types (a construction), as configured and declared in source (referenced assemblies' are added by <see cref="AddressCarriers"/>).</summary>
        public HashSet<string> Sinks { get; }

        /// <summary><see cref="Mapping"/>, for the prefilters' whole-word test.</summary>
        public WordSet MappingWords => _mappingWords ??= new WordSet(Mapping);

        /// <summary><see cref="Physical"/>, for the prefilters' whole-word test.</summary>
        public WordSet PhysicalWords => _physicalWords ??= new WordSet(Physical);

        private WordSet? _mappingWords;
        private WordSet? _physicalWords;

        /// <summary>
        /// Does the block's source text name one of the words? A search of the text (a superset of an
        /// identifier match: comments and strings count) is used because walking the tokens would build the
        /// red tree of every body, which costs more than the rest of the prefilter put together.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public static bool Mentions(SyntaxNode block, WordSet words)
        {
            if (words.IsEmpty)
            {
                return false;
            }

            var text = SourceWords.TextOf(block.SyntaxTree);
            return words.AnyIn(text, block.Span.Start, System.Math.Min(block.Span.End, text.Length));
        }

        /// <summary>
        /// Does the tree's text hold one of the names as a whole word (<see cref="Mentions"/>' test, over the whole tree: a
        /// superset of every block's)? The tree's words are asked first (<see cref="SourceWords.MayHoldWord"/>, read once per
        /// tree and shared with the other prefilters); the text is searched only for a name they may hold.
        /// </summary>
        private static bool MentionsAny(SyntaxTree tree, HashSet<string> names)
        {
            foreach (var name in names)
            {
                if (SourceWords.MayHoldWord(tree, name))
                {
                    var text = SourceWords.TextOf(tree);
                    if (SourceWords.IndexOfWord(text, name, 0, text.Length) >= 0)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        // The code trees of the compilation whose names these are (DmaSymbols.CodeTrees); whether some tree of it names a
        // map (or a physical source): 0 not yet known, 1 yes, 2 no. Two analyzers ask; the trees are scanned once.
        private readonly IReadOnlyList<SyntaxTree> _trees;
        private int _sourceNamesMapping;
        private int _sourceNamesPhysical;

        /// <summary>
        /// Does any source tree of the compilation name a map or alloc (the same whole-word test as
        /// <see cref="Mentions"/>, over whole trees)? When none does, no block can pass the mapping prefilter,
        /// and an analyzer can register nothing for the compilation. Scanned once.
        /// </summary>
        public bool SourceNamesMapping(CancellationToken cancellationToken) =>
            AnyTreeMentions(_trees, Mapping, ref _sourceNamesMapping, cancellationToken);

        /// <summary>Does any source tree of the compilation name an unmap or coherent free? As <see cref="SourceNamesMapping"/>.</summary>
        public bool SourceNamesRelease(CancellationToken cancellationToken) =>
            AnyTreeMentions(_trees, Release, ref _sourceNamesRelease, cancellationToken);

        private int _sourceNamesRelease;

        /// <summary>Does any source tree of the compilation name a physical source? As <see cref="SourceNamesMapping"/>.</summary>
        public bool SourceNamesPhysical(CancellationToken cancellationToken) =>
            AnyTreeMentions(_trees, Physical, ref _sourceNamesPhysical, cancellationToken);

        private static bool AnyTreeMentions(IReadOnlyList<SyntaxTree> trees, HashSet<string> names, ref int known, CancellationToken cancellationToken)
        {
            var state = Volatile.Read(ref known);
            if (state != 0)
            {
                return state == 1;
            }

            var found = false;
            if (names.Count > 0)
            {
                foreach (var tree in trees)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (MentionsAny(tree, names))
                    {
                        found = true;
                        break;
                    }
                }
            }

            // Two analyzers racing compute the same answer: either write is right.
            Volatile.Write(ref known, found ? 1 : 2);
            return found;
        }

        public static InterestingNames Compute(Compilation compilation, IEnumerable<KeyValuePair<ISymbol, DmaRole>> roles, IEnumerable<ITypeSymbol> addressTypes, DmaSymbols symbols, CancellationToken cancellationToken)
        {
            var mapping = new HashSet<string>(System.StringComparer.Ordinal);
            var physical = new HashSet<string>(System.StringComparer.Ordinal);
            var sinks = new HashSet<string>(System.StringComparer.Ordinal);
            var device = new HashSet<string>(System.StringComparer.Ordinal);
            var deviceSinks = new HashSet<string>(System.StringComparer.Ordinal);
            var release = new HashSet<string>(System.StringComparer.Ordinal);
            var given = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var pair in roles)
            {
                // An out parameter that receives an address (physical-source(pa)): a body shows it by its method's name; a
                // constructor (bus-sink(ring) on new Nic(ring)) by its type's.
                var name = CallWordOf(pair.Key is IParameterSymbol parameter ? parameter.ContainingSymbol : pair.Key);
                Add(name, pair.Value, mapping, physical, sinks, deviceSinks, release);
                if (pair.Key is IParameterSymbol { RefKind: not (RefKind.Out or RefKind.Ref) } && (pair.Value & DmaRole.PhysicalSource) != 0)
                {
                    // physical-source(pa) on a parameter passed by value: the method (and what implements it) is given one.
                    given.Add(name);
                }
                if ((pair.Value & DmaRole.DeviceMemory) != 0)
                {
                    device.Add(name);
                }
            }

            foreach (var type in addressTypes)
            {
                if (symbols.IsBusAddressType(type))
                {
                    sinks.Add(type.Name);
                }
            }

            // Attributes in source: the names of the members they mark (for a parameter, its method), read once per tree.
            var marksDeviceParameter = false;
            var trees = symbols.CodeTrees(cancellationToken);
            foreach (var tree in trees)
            {
                foreach (var mark in MarksOf(tree, cancellationToken))
                {
                    if (mark.Role == DmaRole.DeviceMemory)
                    {
                        device.Add(mark.Name);
                        marksDeviceParameter |= mark.OnParameter;
                    }

                    if (mark.Role == DmaRole.PhysicalSource && mark.OnValueParameter)
                    {
                        given.Add(mark.Name);
                    }

                    Add(mark.Name, mark.Role, mapping, physical, sinks, deviceSinks, release);
                }
            }

            // The referenced runtime's sinks are read by AddressCarriers, with the rest of what the
            // runtime declares: one walk over its members, not two.
            var names = new InterestingNames(trees, mapping, physical, sinks);
            names.DeviceMemory.UnionWith(device);
            names.DeviceSinks.UnionWith(deviceSinks);
            names.Release.UnionWith(release);
            names.MarksDeviceMemoryParameter = marksDeviceParameter;
            names.GivenPhysical.UnionWith(given);
            return names;
        }

        /// <summary>A DMA attribute in source: the name of the member it marks (for a parameter, its method), its role, and whether it marks a parameter (and one passed by value).</summary>
        private readonly struct Mark
        {
            public Mark(string name, DmaRole role, bool onParameter, bool onValueParameter)
            {
                Name = name;
                Role = role;
                OnParameter = onParameter;
                OnValueParameter = onValueParameter;
            }

            public string Name { get; }
            public DmaRole Role { get; }
            public bool OnParameter { get; }
            public bool OnValueParameter { get; }
        }

        // A tree's marks depend on its syntax alone: a compilation that keeps the tree object (the one the summary generator
        // leaves, the next snapshot of an edit elsewhere) reads them from here instead of walking its declarations again.
        private static readonly ConditionalWeakTable<SyntaxTree, List<Mark>> Marks = new ConditionalWeakTable<SyntaxTree, List<Mark>>();

        /// <summary>Have this tree object's attribute marks been read (by any compilation that holds it)? For tests.</summary>
        internal static bool MarksRead(SyntaxTree tree) => Marks.TryGetValue(tree, out _);

        /// <summary>The attribute marks of one tree, read once per tree object (a cancelled read stores nothing).</summary>
        private static List<Mark> MarksOf(SyntaxTree tree, CancellationToken cancellationToken)
        {
            if (Marks.TryGetValue(tree, out var known))
            {
                return known;
            }

            var marks = new List<Mark>();
            if (!MayNameAMark(tree))
            {
                // No attribute of interest is written in this tree: its declarations are not walked.
                return Marks.GetValue(tree, _ => marks);
            }

            var root = tree.GetRoot(cancellationToken);
            var text = SourceWords.TextOf(tree);
            foreach (var node in root.DescendantNodes(node => MayHoldAttributes(node, text)))
            {
                if (node is AttributeSyntax attribute)
                {
                    var role = RoleOfAttributeName(attribute.Name);
                    if (role != DmaRole.None && MarkedMemberName(attribute) is { } name)
                    {
                        var parameter = attribute.Parent?.Parent as ParameterSyntax;
                        var byValue = parameter is not null && !parameter.Modifiers.Any(SyntaxKind.OutKeyword) && !parameter.Modifiers.Any(SyntaxKind.RefKeyword);
                        marks.Add(new Mark(name, role, parameter is not null, byValue));
                    }
                }
            }

            // Two callers racing read the same marks: either list is right.
            return Marks.GetValue(tree, _ => marks);
        }

        // The names RoleOfAttributeName knows, the last name an attribute is written with.
        private static readonly string[] MarkNames =
        {
            "BusAddress", "BusAddressAttribute", "PhysicalAddressSource", "PhysicalAddressSourceAttribute", "PersistentMapping", "PersistentMappingAttribute",
            "DeviceMemory", "DeviceMemoryAttribute", "DmaApiRole", "DmaApiRoleAttribute",
        };

        /// <summary>
        /// Can the tree hold a mark: do its words (<see cref="SourceWords.MayHoldWord"/>) hold the name of one of the attributes
        /// (<see cref="RoleOfAttributeName"/>), or does its text escape a character in a name (<c>\u0041</c>)? Most trees of a
        /// driver, and all of a project that does no DMA, hold none: their declarations are not walked for attributes.
        /// </summary>
        private static bool MayNameAMark(SyntaxTree tree)
        {
            foreach (var name in MarkNames)
            {
                if (SourceWords.MayHoldWord(tree, name))
                {
                    return true;
                }
            }

            var text = SourceWords.TextOf(tree);
            return text.IndexOf("\\u", System.StringComparison.Ordinal) >= 0 || text.IndexOf("\\U", System.StringComparison.Ordinal) >= 0;
        }

        /// <summary>
        /// Declarations, parameters, accessors and attribute lists: not bodies, types or expressions,
        /// which hold no attribute of interest. A member whose declaration (its body left out) has no
        /// '[' holds no attribute either, and its parameters are not walked.
        /// </summary>
        private static bool MayHoldAttributes(SyntaxNode node, string text)
        {
            switch (node)
            {
                case CompilationUnitSyntax _:
                case BaseNamespaceDeclarationSyntax _:
                case BaseTypeDeclarationSyntax _:
                case BaseParameterListSyntax _:
                case ParameterSyntax _:
                case AccessorListSyntax _:
                case AccessorDeclarationSyntax _:
                case AttributeListSyntax _:
                    return true;
                case BaseMethodDeclarationSyntax method:
                    return HasBracket(text, method.SpanStart, method.Body?.SpanStart ?? method.ExpressionBody?.SpanStart ?? method.Span.End);
                case MemberDeclarationSyntax member:
                    return HasBracket(text, member.SpanStart, member.Span.End);
                default:
                    return false;
            }
        }

        private static bool HasBracket(string text, int start, int end)
        {
            end = System.Math.Min(end, text.Length);
            return start < end && text.IndexOf('[', start, end - start) >= 0;
        }

        /// <summary>The word a body shows a member by: its name; a constructor's type's name (<c>new Nic(…)</c>).</summary>
        private static string CallWordOf(ISymbol member) =>
            member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor && constructor.ContainingType is { } type ? type.Name : member.Name;

        private static void Add(string name, DmaRole role, HashSet<string> mapping, HashSet<string> physical, HashSet<string> sinks, HashSet<string> deviceSinks, HashSet<string> release)
        {
            if ((role & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0)
            {
                release.Add(name);
            }

            if ((role & (DmaRole.BusSink | DmaRole.DeviceMemory | DmaRole.ReceiverSink)) != 0)
            {
                deviceSinks.Add(name);
            }

            if ((role & (DmaRole.BusSink | DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice | DmaRole.DeviceMemory | DmaRole.ReceiverSink)) != 0)
            {
                sinks.Add(name);
            }

            if ((role & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0)
            {
                mapping.Add(name);
            }

            if ((role & DmaRole.PhysicalSource) != 0)
            {
                physical.Add(name);
            }
        }

        private static DmaRole RoleOfAttributeName(NameSyntax name)
        {
            var simple = name switch
            {
                QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                SimpleNameSyntax s => s.Identifier.ValueText,
                _ => string.Empty,
            };
            switch (simple)
            {
                case "BusAddress":
                case "BusAddressAttribute":
                    return DmaRole.BusSink;
                case "PhysicalAddressSource":
                case "PhysicalAddressSourceAttribute":
                    return DmaRole.PhysicalSource;
                case "PersistentMapping":
                case "PersistentMappingAttribute":
                    return DmaRole.Map;
                case "DeviceMemory":
                case "DeviceMemoryAttribute":
                    return DmaRole.DeviceMemory;
                case "DmaApiRole":
                case "DmaApiRoleAttribute":
                    // Which role is in the argument; any of them may start a mapping's life.
                    return DmaRole.Map | DmaRole.Unmap;
                default:
                    return DmaRole.None;
            }
        }

        private static string? MarkedMemberName(AttributeSyntax attribute)
        {
            var target = attribute.Parent?.Parent;
            if (target is ParameterSyntax)
            {
                target = target.Parent?.Parent;
            }

            switch (target)
            {
                case MethodDeclarationSyntax method:
                    return method.Identifier.ValueText;
                case PropertyDeclarationSyntax property:
                    return property.Identifier.ValueText;
                case IndexerDeclarationSyntax _:
                    return "this";
                case FieldDeclarationSyntax field when field.Declaration.Variables.Count > 0:
                    return field.Declaration.Variables[0].Identifier.ValueText;
                case ConstructorDeclarationSyntax constructor:
                    return constructor.Identifier.ValueText;
                case AccessorDeclarationSyntax accessor when accessor.Parent?.Parent is PropertyDeclarationSyntax owner:
                    return owner.Identifier.ValueText;
                case TypeDeclarationSyntax type when type is RecordDeclarationSyntax:
                    // [BusAddress] on a positional record parameter: the property has the parameter's name.
                    return attribute.Parent?.Parent is ParameterSyntax parameter ? parameter.Identifier.ValueText : null;
                default:
                    return null;
            }
        }
    }
}
