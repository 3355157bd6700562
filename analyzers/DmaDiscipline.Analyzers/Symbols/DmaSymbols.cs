using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The DMA roles of the symbols of one compilation: the runtime's well-known names (bound by
    /// metadata name), the runtime's annotation attributes, and the DmaDiscipline.txt symbols files.
    /// Built once per compilation; lookups afterwards compare symbols only.
    /// </summary>
    internal sealed class DmaSymbols
    {
        private const string RuntimeNamespace = "DmaDiscipline.Runtime.";
        private const string RuntimeAssemblyName = "DmaDiscipline.Runtime";

        // Runtime members that tell a driver how the platform translates; DMA007 flags branching on them.
        private static readonly string[] TranslationQueryNames = { "IommuPresent", "HasIommu", "BehindIommu", "IsPassthrough", "IsIdentity", "IsTranslated", "BypassesIommu" };

        private readonly Dictionary<ISymbol, DmaRole> _roles = new Dictionary<ISymbol, DmaRole>(SymbolEqualityComparer.Default);
        // A method's sink parameters, where lines name them (several lines may name several parameters).
        private readonly Dictionary<ISymbol, HashSet<string>> _sinkParameterNames = new Dictionary<ISymbol, HashSet<string>>(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, HashSet<string>> _receiverSinkParameterNames = new Dictionary<ISymbol, HashSet<string>>(SymbolEqualityComparer.Default);
        // Sized for the members a driver calls, with more lock stripes than build machines have cores: every callback asks,
        // and a resize or a contended stripe would stall the others.
        private readonly ConcurrentDictionary<ISymbol, DmaRole> _cache = new ConcurrentDictionary<ISymbol, DmaRole>(CacheConcurrency, 1024, SymbolEqualityComparer.Default);

        private const int CacheConcurrency = 16;
        private readonly HashSet<ITypeSymbol> _physicalTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _busTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _translationTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _platformTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _deviceTypes = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        // Fields and properties that are sinks only by a referenced project's published summary: wrappers it inferred, not declared address slots.
        private readonly HashSet<ISymbol> _publishedSinkMembers = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        private readonly INamedTypeSymbol? _deviceMemoryAttribute;
        private readonly INamedTypeSymbol? _busAddressAttribute;
        private readonly INamedTypeSymbol? _physicalSourceAttribute;
        private readonly INamedTypeSymbol? _apiRoleAttribute;
        private readonly INamedTypeSymbol? _translationQueryAttribute;
        private readonly INamedTypeSymbol? _platformAttribute;
        private readonly INamedTypeSymbol? _persistentMappingAttribute;

        private DmaSymbols(Compilation compilation)
        {
            Compilation = compilation;
            _runtimeAssembly = FindRuntimeAssembly(compilation);
            _busAddressAttribute = Type("BusAddressAttribute");
            _physicalSourceAttribute = Type("PhysicalAddressSourceAttribute");
            _apiRoleAttribute = Type("DmaApiRoleAttribute");
            _translationQueryAttribute = Type("TranslationQueryAttribute");
            _platformAttribute = Type("DmaPlatformAttribute");
            _persistentMappingAttribute = Type("PersistentMappingAttribute");
            _deviceMemoryAttribute = Type("DeviceMemoryAttribute");
            DirectionType = Type("DmaDirection");
        }

        // Where the runtime's types are looked up: the referenced DmaDiscipline.Runtime assembly, else
        // the compilation itself (the runtime, or code that declares the runtime's types).
        private readonly IAssemblySymbol? _runtimeAssembly;

        private static IAssemblySymbol? FindRuntimeAssembly(Compilation compilation)
        {
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                if (assembly.Identity.Name == RuntimeAssemblyName)
                {
                    return assembly;
                }
            }

            return null;
        }

        public Compilation Compilation { get; }

        private Flow.Containers? _containers;

        /// <summary>The containers both flows follow (arrays and library collections), decided once per compilation.</summary>
        public Flow.Containers Containers => _containers ??= new Flow.Containers(Compilation.Assembly);

        /// <summary>The runtime's DmaDirection, whose values DMA004/DMA005 compare; null for other frameworks.</summary>
        public INamedTypeSymbol? DirectionType { get; }

        /// <summary>
        /// An identity-mapped platform (<c>pointers ; physical-source</c> in a symbols file): a pointer
        /// made into an integer is the physical address of the memory it points at.
        /// </summary>
        public bool PointersArePhysical { get; private set; }

        /// <summary>Does this compilation declare a configured physical source (a platform or environment library)?</summary>
        public bool DeclaresPhysicalSource { get; private set; }

        /// <summary>False when nothing DMA-related exists in this compilation: the analyzers then register nothing.</summary>
        public bool IsActive { get; private set; }

        /// <summary>True when the compilation is the platform itself (defines the bus address type): its code makes bus addresses legitimately.</summary>
        public bool CompilationIsPlatform { get; private set; }

        // One provider per compilation, shared by the analyzers and the summary generator (the symbols file and the name scan are read once).
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, Tuple<ImmutableArray<AdditionalText>, DmaSymbols>> Shared =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, Tuple<ImmutableArray<AdditionalText>, DmaSymbols>>();

        public static DmaSymbols Create(Compilation compilation, AnalyzerOptions options, CancellationToken cancellationToken) =>
            Create(compilation, options.AdditionalFiles, cancellationToken);

        /// <summary>
        /// The roles of <paramref name="compilation"/>'s symbols, given its additional files (only the symbols
        /// files among them are read). The same compilation with the same symbols files gets the same
        /// instance: in a build the summary generator and the analyzers share one when the generator adds nothing.
        /// </summary>
        public static DmaSymbols Create(Compilation compilation, ImmutableArray<AdditionalText> additionalFiles, CancellationToken cancellationToken)
        {
            var files = SymbolsFiles(additionalFiles);
            lock (Shared)
            {
                if (Shared.TryGetValue(compilation, out var shared) && SameFiles(shared.Item1, files))
                {
                    return shared.Item2;
                }

                var created = CreateCore(compilation, files, cancellationToken);
                Shared.Remove(compilation);
                Shared.Add(compilation, Tuple.Create(files, created));
                return created;
            }
        }

        private static ImmutableArray<AdditionalText> SymbolsFiles(ImmutableArray<AdditionalText> additionalFiles)
        {
            var files = ImmutableArray.CreateBuilder<AdditionalText>();
            foreach (var file in additionalFiles)
            {
                if (SymbolsFile.IsSymbolsFile(file.Path))
                {
                    files.Add(file);
                }
            }

            return files.ToImmutable();
        }

        private static bool SameFiles(ImmutableArray<AdditionalText> a, ImmutableArray<AdditionalText> b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (var i = 0; i < a.Length; i++)
            {
                if (!ReferenceEquals(a[i], b[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private static DmaSymbols CreateCore(Compilation compilation, ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
        {
            var symbols = new DmaSymbols(compilation);
            symbols._files = files;
            symbols.AddRuntime();
            var configured = symbols.AddSymbolsFiles(files, cancellationToken);
            symbols.AddPublishedSummaries(configured, cancellationToken);
            symbols.IsActive = symbols.PointersArePhysical || symbols._roles.Count > 0 || symbols._physicalTypes.Count > 0 || symbols._busTypes.Count > 0
                || symbols._busAddressAttribute is not null || symbols._physicalSourceAttribute is not null || symbols._apiRoleAttribute is not null;
            // The runtime's own assembly is the platform. A configured framework's bus type may live in the
            // driver's own project, so only the runtime's DmaAddr decides this; other platforms are marked.
            var runtimeBusType = symbols.Type("DmaAddr");
            symbols.CompilationIsPlatform = runtimeBusType is not null
                && SymbolEqualityComparer.Default.Equals(runtimeBusType.ContainingAssembly, compilation.Assembly);
            symbols.CollectRoleAssemblies();
            return symbols;
        }

        /// <summary>What the summaries published by referenced assemblies said that could not be read or applied (DMA900/DMA901, reported by the symbols-file rule).</summary>
        public IReadOnlyList<Publishing.PublishedSummary.Problem> PublishedProblems { get; private set; } = Array.Empty<Publishing.PublishedSummary.Problem>();

        /// <summary>
        /// The summaries referenced assemblies publish (built with this analyzer package), read as
        /// symbols-file lines. An explicit line wins: a member the symbols files name keeps only their roles.
        /// </summary>
        private void AddPublishedSummaries(HashSet<ISymbol> configured, CancellationToken cancellationToken)
        {
            var problems = new List<Publishing.PublishedSummary.Problem>();
            foreach (var (entry, symbol) in Publishing.PublishedSummary.Read(Compilation, problems, cancellationToken))
            {
                if (configured.Contains(symbol.OriginalDefinition))
                {
                    continue;
                }

                if (symbol is ITypeSymbol type)
                {
                    AddType(type as INamedTypeSymbol, entry.Role);
                    continue;
                }

                if (AddMadeWith(symbol, entry) || AddReceivedRole(symbol, entry))
                {
                    continue;
                }

                AddRole(symbol, entry.Role);
                AddSinkParameterName(symbol, entry.Role, entry.ParameterName);
                if ((entry.Role & DmaRole.BusSink) != 0 && (symbol is IPropertySymbol || symbol is IFieldSymbol))
                {
                    _publishedSinkMembers.Add(symbol.OriginalDefinition);
                }
            }

            PublishedProblems = problems;
        }

        /// <summary>
        /// Is the field or property a sink only because its project published it as one (a setter or field whose value
        /// reaches a sink there: a wrapper, not an address slot anyone declared)? A bare constant given to it is then
        /// taken for a command, as through a wrapper of the compilation.
        /// </summary>
        public bool IsPublishedSinkMember(ISymbol member) => _publishedSinkMembers.Count > 0 && _publishedSinkMembers.Contains(member.OriginalDefinition);

        private readonly Dictionary<ISymbol, List<MadeWith>> _madeWith = new Dictionary<ISymbol, List<MadeWith>>(SymbolEqualityComparer.Default);

        /// <summary>A <c>made-with</c> line: kept by holder, not as a role (it says what the held object's member is, not what the holder is).</summary>
        private bool AddMadeWith(ISymbol symbol, SymbolsFile.Entry entry)
        {
            if (entry.Role != DmaRole.MadeWith)
            {
                return false;
            }

            if (entry.ParameterName is { } text && MadeWith.Parse(text, out var made) is null)
            {
                var key = symbol.OriginalDefinition;
                if (!_madeWith.TryGetValue(key, out var list))
                {
                    _madeWith[key] = list = new List<MadeWith>();
                }

                list.Add(made);
            }

            return true;
        }

        /// <summary>What <c>made-with</c> lines (published by the holder's project, or in the symbols file) say of the object a field or property of another assembly holds; null when none does.</summary>
        public IReadOnlyList<MadeWith>? MadeWithOf(ISymbol holder) =>
            _madeWith.Count > 0 && _madeWith.TryGetValue(holder.OriginalDefinition, out var list) ? list : null;

        /// <summary>The fields and properties that <c>made-with</c> lines describe.</summary>
        public IEnumerable<ISymbol> MadeWithHolders => _madeWith.Keys;

        /// <summary>
        /// A <c>physical-source(name)</c> or <c>device-memory(name)</c> line: the role belongs to the method's out or ref
        /// parameter <c>name</c>, whose argument receives the address at a call (<c>GetPhysicalAddress(va, out pa)</c>), not to
        /// the method's return. Kept under the parameter; a name the method does not have is DMA900 and kept nowhere.
        /// </summary>
        private bool AddReceivedRole(ISymbol symbol, SymbolsFile.Entry entry)
        {
            if (entry.ParameterName is not { } name || (entry.Role & (DmaRole.PhysicalSource | DmaRole.DeviceMemory)) == 0 || !(symbol is IMethodSymbol method))
            {
                return false;
            }

            foreach (var parameter in method.OriginalDefinition.Parameters)
            {
                // An out or ref parameter gives the address back; one passed by value is given it (physical-source only).
                if (parameter.Name == name && (parameter.RefKind is RefKind.Out or RefKind.Ref || entry.Role == DmaRole.PhysicalSource))
                {
                    AddRole(parameter, entry.Role);
                }
            }

            return true;
        }

        /// <summary>
        /// What the argument of an out or ref parameter receives at a call: <see cref="DmaRole.PhysicalSource"/> or
        /// <see cref="DmaRole.DeviceMemory"/> when a symbols-file line names the parameter (<c>physical-source(pa)</c>) or the
        /// attribute marks it (<c>[DeviceMemory] out byte* regs</c>); <see cref="DmaRole.None"/> otherwise.
        /// </summary>
        public DmaRole ReceivedRolesOf(IParameterSymbol parameter)
        {
            if (parameter.RefKind is not (RefKind.Out or RefKind.Ref))
            {
                return DmaRole.None;
            }

            var definition = parameter.OriginalDefinition;
            if (!MayHoldRoles(definition))
            {
                return DmaRole.None;
            }

            var roles = _roles.TryGetValue(definition, out var configured) ? configured : DmaRole.None;
            return (roles | AttributeRoles(definition)) & (DmaRole.PhysicalSource | DmaRole.DeviceMemory);
        }

        private void AddSinkParameterName(ISymbol symbol, DmaRole role, string? name)
        {
            if (name is null)
            {
                return;
            }

            var key = symbol.OriginalDefinition;
            var byMethod = (role & DmaRole.ReceiverSink) != 0 ? _receiverSinkParameterNames : _sinkParameterNames;
            if (!byMethod.TryGetValue(key, out var names))
            {
                byMethod[key] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            names.Add(name);
        }

        // Assemblies that declare a role: the attributes' and the configured members'. Only they, the
        // compilation and assemblies built against one of them can hold a member with a role.
        private readonly HashSet<IAssemblySymbol> _roleAssemblies = new HashSet<IAssemblySymbol>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IAssemblySymbol, bool> _mayHoldRoles = new ConcurrentDictionary<IAssemblySymbol, bool>(SymbolEqualityComparer.Default);

        private void CollectRoleAssemblies()
        {
            foreach (var attribute in new[] { _busAddressAttribute, _physicalSourceAttribute, _apiRoleAttribute, _translationQueryAttribute, _persistentMappingAttribute, _deviceMemoryAttribute })
            {
                if (attribute?.ContainingAssembly is { } assembly)
                {
                    _roleAssemblies.Add(assembly);
                }
            }

            foreach (var configured in _roles)
            {
                if (configured.Key.ContainingAssembly is { } assembly)
                {
                    _roleAssemblies.Add(assembly);
                    DeclaresPhysicalSource |= (configured.Value & DmaRole.PhysicalSource) != 0 && SymbolEqualityComparer.Default.Equals(assembly, Compilation.Assembly);
                }
            }

            foreach (var type in _physicalTypes)
            {
                DeclaresPhysicalSource |= SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, Compilation.Assembly);
            }
        }

        /// <summary>
        /// Can a member of this symbol's assembly have a role? Most symbols a body touches are the
        /// framework's (collections, spans, strings), which neither carry the runtime's attributes nor
        /// are configured: their roles are known without reading attributes or caching an entry.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private bool MayHoldRoles(ISymbol definition)
        {
            var assembly = definition.ContainingAssembly;
            // Looked up before GetOrAdd: a method group is a new delegate at every call, at nearly every operation of a body.
            return assembly is null || (_mayHoldRoles.TryGetValue(assembly, out var may) ? may : _mayHoldRoles.GetOrAdd(assembly, ComputeMayHoldRoles));
        }

        private bool ComputeMayHoldRoles(IAssemblySymbol assembly)
        {
            if (SymbolEqualityComparer.Default.Equals(assembly, Compilation.Assembly) || _roleAssemblies.Contains(assembly))
            {
                return true;
            }

            foreach (var module in assembly.Modules)
            {
                foreach (var referenced in module.ReferencedAssemblySymbols)
                {
                    if (_roleAssemblies.Contains(referenced))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private void AddRuntime()
        {
            var dmaApi = Type("DmaApi");
            Add(dmaApi, "MapSingle", DmaRole.Map);
            Add(dmaApi, "MapSg", DmaRole.Map);
            Add(dmaApi, "UnmapSingle", DmaRole.Unmap);
            Add(dmaApi, "UnmapSg", DmaRole.Unmap);
            Add(dmaApi, "SyncForCpu", DmaRole.SyncForCpu);
            Add(dmaApi, "SyncSgForCpu", DmaRole.SyncForCpu);
            Add(dmaApi, "SyncForDevice", DmaRole.SyncForDevice);
            Add(dmaApi, "SyncSgForDevice", DmaRole.SyncForDevice);
            Add(dmaApi, "MappingError", DmaRole.MappingErrorCheck);
            Add(dmaApi, "AllocCoherent", DmaRole.CoherentAlloc);
            Add(dmaApi, "FreeCoherent", DmaRole.CoherentFree);
            Add(dmaApi, "TryAllocCoherent", DmaRole.FailsByValue);
            Add(Type("KBuffer"), "PhysicalAddress", DmaRole.PhysicalSource);
            Add(Type("KBuffer"), "Span", DmaRole.CpuAccess);
            Add(Type("CoherentBuffer"), "Span", DmaRole.CpuAccess);
            Add(Type("PhysicalMemory"), "VirtToPhys", DmaRole.PhysicalSource);
            AddType(Type("PhysAddr"), DmaRole.PhysicalSource);
            AddType(Type("DmaAddr"), DmaRole.BusAddressType);
            AddType(Type("CoherentBuffer"), DmaRole.DeviceMemory);
            AddType(Type("DomainKind"), DmaRole.TranslationQuery);
            AddType(Type("IommuDomain"), DmaRole.TranslationQuery);
            AddType(Type("Iommu"), DmaRole.TranslationQuery);

            // Translation queries live on the IOMMU/machine model; bind by name once, compare symbols afterwards.
            var physAddr = Type("PhysAddr");
            var runtimeNamespace = physAddr?.ContainingNamespace;
            if (runtimeNamespace is null)
            {
                return;
            }

            foreach (var type in runtimeNamespace.GetTypeMembers())
            {
                if (type.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                foreach (var name in TranslationQueryNames)
                {
                    // MemberNames reads names only; GetMembers would load every member of the type.
                    if (!type.MemberNames.Contains(name))
                    {
                        continue;
                    }

                    foreach (var member in type.GetMembers(name))
                    {
                        if (member is IPropertySymbol || member is IFieldSymbol || member is IMethodSymbol)
                        {
                            AddRole(member, DmaRole.TranslationQuery);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// A runtime type by name. Not <see cref="Compilation.GetTypeByMetadataName"/>: that searches
        /// every reference, and in a compiler process this lookup runs first, before the compiler has
        /// read any reference's metadata — the whole framework's would be charged to the analyzers.
        /// </summary>
        private INamedTypeSymbol? Type(string name)
        {
            var metadataName = RuntimeNamespace + name;
            return (_runtimeAssembly ?? Compilation.Assembly).GetTypeByMetadataName(metadataName);
        }

        private void Add(INamedTypeSymbol? type, string member, DmaRole role)
        {
            if (type is null)
            {
                return;
            }

            foreach (var symbol in type.GetMembers(member))
            {
                AddRole(symbol, role);
            }
        }

        private void AddType(INamedTypeSymbol? type, DmaRole role)
        {
            if (type is null)
            {
                return;
            }

            switch (role)
            {
                case DmaRole.PhysicalSource:
                    _physicalTypes.Add(type);
                    break;
                case DmaRole.BusAddressType:
                    _busTypes.Add(type);
                    break;
                case DmaRole.TranslationQuery:
                    _translationTypes.Add(type);
                    break;
                case DmaRole.Platform:
                    _platformTypes.Add(type);
                    break;
                case DmaRole.DeviceMemory:
                    _deviceTypes.Add(type);
                    break;
            }
        }

        private void AddRole(ISymbol symbol, DmaRole role)
        {
            var key = symbol.OriginalDefinition;
            _roles.TryGetValue(key, out var existing);
            _roles[key] = existing | role;
        }

        /// <summary>Reads the symbols files; returns the symbols they name.</summary>
        private HashSet<ISymbol> AddSymbolsFiles(ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
        {
            var entries = new List<SymbolsFile.Entry>();
            var named = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var file in files)
            {
                var text = file.GetText(cancellationToken);
                if (text is not null)
                {
                    SymbolsFile.Parse(file.Path, text, entries, errors: null);
                }
            }

            foreach (var entry in entries)
            {
                if (entry.DocumentationId == SymbolsFile.PointersId)
                {
                    PointersArePhysical = true;
                    continue;
                }

                // Like BannedSymbols.txt: an id that names nothing in this compilation is not an error.
                foreach (var symbol in DocumentationCommentId.GetSymbolsForDeclarationId(entry.DocumentationId, Compilation))
                {
                    named.Add(symbol.OriginalDefinition);
                    if (symbol is ITypeSymbol type)
                    {
                        AddType(type as INamedTypeSymbol, entry.Role);
                    }
                    else if (!AddMadeWith(symbol, entry) && !AddReceivedRole(symbol, entry))
                    {
                        AddRole(symbol, entry.Role);
                        AddSinkParameterName(symbol, entry.Role, entry.ParameterName);
                    }
                }
            }

            return named;
        }

        private volatile IReadOnlyList<SyntaxTree>? _codeTrees;

        /// <summary>
        /// The trees that can hold code: all but those whose root declares nothing (no member; only usings, externs or
        /// assembly attributes), such as the summary generator's output — a tree of 2,000 assembly attributes whose
        /// strings name every published member. No body, declaration or member attribute lives in such a tree, so the
        /// scans that look for one by its name (makers, writers, readers, the attributes of members, whether a source
        /// names a map) read only these. In compilation order; computed once.
        /// </summary>
        public IReadOnlyList<SyntaxTree> CodeTrees(CancellationToken cancellationToken)
        {
            if (_codeTrees is { } trees)
            {
                return trees;
            }

            var found = new List<SyntaxTree>();
            foreach (var tree in Compilation.SyntaxTrees)
            {
                if (!(tree.GetRoot(cancellationToken) is Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax unit) || unit.Members.Count > 0)
                {
                    found.Add(tree);
                }
            }

            // Two callers racing compute the same list: either write is right.
            return _codeTrees = found;
        }

        private volatile InterestingNames? _names;
        private volatile AddressCarriers? _carriers;

        // The symbols files this provider read (carriers are shared only between compilations that read the same).
        private ImmutableArray<AdditionalText> _files = ImmutableArray<AdditionalText>.Empty;
        private readonly object _namesLock = new object();

        /// <summary>
        /// The names a body must mention to matter (computed once). The analyzers ask for them in their
        /// compilation-start action, so that no code-block callback waits while they are computed.
        /// </summary>
        public InterestingNames Names(CancellationToken cancellationToken)
        {
            if (_names is { } names)
            {
                return names;
            }

            lock (_namesLock)
            {
                if (_names is null)
                {
                    var addressTypes = new List<ITypeSymbol>(_physicalTypes);
                    addressTypes.AddRange(_busTypes);
                    _names = InterestingNames.Compute(Compilation, _roles, addressTypes, this, cancellationToken);
                }

                return _names;
            }
        }

        /// <summary>The DMA001/DMA008 body prefilter: names of sinks and of what can carry an address to them (computed once, like <see cref="Names"/>).</summary>
        public AddressCarriers Carriers(CancellationToken cancellationToken)
        {
            if (_carriers is { } carriers)
            {
                return carriers;
            }

            var names = Names(cancellationToken);
            lock (_namesLock)
            {
                // The analyzers' compilation is the generator's plus its output: the carriers the generator computed serve both.
                return _carriers ??= SharedCarriers.GetOrCompute(Compilation, _files, CarrierInputs(names),
                    () => AddressCarriers.Compute(Compilation, this, names, _physicalTypes, _busTypes, cancellationToken), cancellationToken);
            }
        }

        /// <summary>
        /// Everything <see cref="AddressCarriers.Compute"/> reads of this provider, as one string: the names, the address and
        /// device-memory types (by assembly and full name), whether pointers are physical, the made-with holders.
        /// </summary>
        private string CarrierInputs(InterestingNames names)
        {
            var text = new System.Text.StringBuilder();
            void Names(string label, IEnumerable<string> set)
            {
                var sorted = new List<string>(set);
                sorted.Sort(StringComparer.Ordinal);
                text.Append(label).Append(':').Append(string.Join("\u0001", sorted)).Append('\n');
            }

            IEnumerable<string> Types(IEnumerable<ISymbol> types)
            {
                foreach (var type in types)
                {
                    yield return (type.ContainingAssembly?.Identity.GetDisplayName() ?? string.Empty) + "|" + type.ToDisplayString() + "|" + type.Name;
                }
            }

            Names("sinks", names.Sinks);
            Names("physical", names.Physical);
            Names("device-sinks", names.DeviceSinks);
            Names("device-memory", names.DeviceMemory);
            Names("mapping", names.Mapping);
            Names("physical-types", Types(_physicalTypes));
            Names("bus-types", Types(_busTypes));
            Names("device-types", Types(_deviceTypes));
            Names("made-with", Types(MadeWithHolders));
            text.Append("pointers:").Append(PointersArePhysical).Append("\ndeclares-physical:").Append(DeclaresPhysicalSource)
                .Append("\nmarks-device-parameter:").Append(names.MarksDeviceMemoryParameter);
            return text.ToString();
        }

        /// <summary>The roles of a method, property or field: configured, built-in, or from attributes (including overridden and implemented members).</summary>
        [MethodImpl(Jit.Optimized)]
        public DmaRole RolesOf(ISymbol? symbol)
        {
            if (symbol is null)
            {
                return DmaRole.None;
            }

            var definition = symbol.OriginalDefinition;
            return MayHoldRoles(definition) ? (_cache.TryGetValue(definition, out var roles) ? roles : _cache.GetOrAdd(definition, ComputeRoles)) : DmaRole.None;
        }

        /// <summary>
        /// The roles a member declares itself (configured, or by its own attributes), without the
        /// members it overrides or implements and without filling the cache: for the one-off walks
        /// that collect the names of a referenced assembly's members. Names are enough there, and an
        /// override or implicit implementation has its base member's name.
        /// </summary>
        public DmaRole DeclaredRoles(ISymbol symbol) => RolesOfMember(symbol.OriginalDefinition);

        /// <summary>Do these roles make the member a bus sink (a field or property marked as one; a method's sinks are its parameters)?</summary>
        public static bool IsBusSinkMember(ISymbol member, DmaRole roles) =>
            (member is IFieldSymbol || member is IPropertySymbol) && (roles & DmaRole.BusSink) != 0;

        /// <summary>Is the parameter a bus sink by its method's own declaration (see <see cref="DeclaredRoles"/>)?</summary>
        public bool IsDeclaredBusSinkParameter(IParameterSymbol parameter) =>
            parameter.ContainingSymbol is IMethodSymbol method && SinkParameterDecision(method.OriginalDefinition, parameter) == true;

        private DmaRole ComputeRoles(ISymbol symbol)
        {
            var roles = DmaRole.None;
            foreach (var related in RelatedMembers(symbol))
            {
                roles |= RolesOfMember(related.OriginalDefinition);
            }

            return roles;
        }

        /// <summary>The roles one member's own declaration gives it.</summary>
        private DmaRole RolesOfMember(ISymbol definition)
        {
            var roles = _roles.TryGetValue(definition, out var configured) ? configured : DmaRole.None;
            roles |= AttributeRoles(definition);
            if (definition is IPropertySymbol property)
            {
                // [BusAddress] on the setter's parameter or the backing member counts for the property.
                roles |= AttributeRoles(property.SetMethod?.Parameters.Length > 0 ? property.SetMethod.Parameters[property.SetMethod.Parameters.Length - 1] : null) & DmaRole.BusSink;
            }

            if (definition is IMethodSymbol method)
            {
                roles |= ReturnAttributeRoles(method);
            }

            return roles;
        }

        private DmaRole AttributeRoles(ISymbol? symbol)
        {
            var roles = DmaRole.None;
            if (symbol is null)
            {
                return roles;
            }

            foreach (var attribute in symbol.GetAttributes())
            {
                roles |= RoleOfAttribute(attribute);
            }

            return roles;
        }

        private DmaRole ReturnAttributeRoles(IMethodSymbol method)
        {
            var roles = DmaRole.None;
            foreach (var attribute in method.GetReturnTypeAttributes())
            {
                roles |= RoleOfAttribute(attribute) & (DmaRole.PhysicalSource | DmaRole.DeviceMemory);
            }

            return roles;
        }

        private DmaRole RoleOfAttribute(AttributeData attribute)
        {
            var type = attribute.AttributeClass;
            if (type is null)
            {
                return DmaRole.None;
            }

            if (Same(type, _busAddressAttribute))
            {
                return DmaRole.BusSink;
            }

            if (Same(type, _physicalSourceAttribute))
            {
                return DmaRole.PhysicalSource;
            }

            if (Same(type, _translationQueryAttribute))
            {
                return DmaRole.TranslationQuery;
            }

            if (Same(type, _persistentMappingAttribute))
            {
                return DmaRole.Map | DmaRole.PersistentMap;
            }

            if (Same(type, _deviceMemoryAttribute))
            {
                return DmaRole.DeviceMemory;
            }

            if (Same(type, _apiRoleAttribute) && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int value)
            {
                // The runtime's DmaApiRole enum: Map=0, Unmap=1, SyncForCpu=2, SyncForDevice=3, MappingErrorCheck=4, CoherentAlloc=5, CoherentFree=6.
                switch (value)
                {
                    case 0: return DmaRole.Map;
                    case 1: return DmaRole.Unmap;
                    case 2: return DmaRole.SyncForCpu;
                    case 3: return DmaRole.SyncForDevice;
                    case 4: return DmaRole.MappingErrorCheck;
                    case 5: return DmaRole.CoherentAlloc;
                    case 6: return DmaRole.CoherentFree;
                }
            }

            return DmaRole.None;
        }

        private static bool Same(ISymbol? a, ISymbol? b) => b is not null && SymbolEqualityComparer.Default.Equals(a, b);

        /// <summary>The member itself, what it overrides, and the interface members it implements.</summary>
        private static IEnumerable<ISymbol> RelatedMembers(ISymbol symbol)
        {
            yield return symbol;
            var current = symbol;
            for (var depth = 0; depth < 16; depth++)
            {
                ISymbol? overridden = current switch
                {
                    IMethodSymbol m => m.OverriddenMethod,
                    IPropertySymbol p => p.OverriddenProperty,
                    _ => null,
                };
                if (overridden is null)
                {
                    break;
                }

                yield return overridden;
                current = overridden;
            }

            var containing = symbol.ContainingType;
            if (containing is null || !(symbol is IMethodSymbol || symbol is IPropertySymbol))
            {
                yield break;
            }

            foreach (var @interface in containing.AllInterfaces)
            {
                foreach (var member in @interface.GetMembers(symbol.Name))
                {
                    var implementation = containing.FindImplementationForInterfaceMember(member);
                    if (implementation is not null && SymbolEqualityComparer.Default.Equals(implementation.OriginalDefinition, symbol.OriginalDefinition))
                    {
                        yield return member;
                    }
                }
            }

            // Explicit implementations carry the interface member in their own list.
            if (symbol is IMethodSymbol method && method.MethodKind == MethodKind.ExplicitInterfaceImplementation)
            {
                foreach (var explicitMember in method.ExplicitInterfaceImplementations)
                {
                    yield return explicitMember;
                }
            }
            else if (symbol is IPropertySymbol property)
            {
                foreach (var explicitMember in property.ExplicitInterfaceImplementations)
                {
                    yield return explicitMember;
                }
            }
        }

        /// <summary>Is this parameter a device-visible sink: [BusAddress] on it (or on the parameter it overrides/implements), or configured.</summary>
        [MethodImpl(Jit.Optimized)]
        public bool IsBusSinkParameter(IParameterSymbol parameter)
        {
            var definition = parameter.OriginalDefinition;
            return MayHoldRoles(definition) && (_sinkParameters.TryGetValue(definition, out var sink) ? sink : _sinkParameters.GetOrAdd(definition, ComputeIsBusSinkParameter));
        }

        private readonly ConcurrentDictionary<IParameterSymbol, bool> _sinkParameters = new ConcurrentDictionary<IParameterSymbol, bool>(CacheConcurrency, 256, SymbolEqualityComparer.Default);

        /// <summary>What one method's own declaration says of the parameter at <paramref name="parameter"/>'s position: a sink, not one, or nothing (null).</summary>
        private bool? SinkParameterDecision(IMethodSymbol method, IParameterSymbol parameter)
        {
            if (parameter.Ordinal >= method.Parameters.Length)
            {
                return null;
            }

            if ((AttributeRoles(method.Parameters[parameter.Ordinal]) & DmaRole.BusSink) != 0)
            {
                return true;
            }

            if (_roles.TryGetValue(method.OriginalDefinition, out var configured) && (configured & DmaRole.BusSink) != 0)
            {
                return _sinkParameterNames.TryGetValue(method.OriginalDefinition, out var names) ? names.Contains(parameter.Name) : IsAddressLike(parameter.Type);
            }

            return null;
        }

        private bool ComputeIsBusSinkParameter(IParameterSymbol parameter)
        {
            if (!(parameter.ContainingSymbol is IMethodSymbol method))
            {
                return false;
            }

            foreach (var related in RelatedMembers(method.OriginalDefinition))
            {
                if (related is IMethodSymbol relatedMethod && SinkParameterDecision(relatedMethod, parameter) is bool decided)
                {
                    return decided;
                }
            }

            return false;
        }

        /// <summary>Is the parameter marked [BusAddress] itself (a declared address slot, not a whole method configured as a sink)?</summary>
        /// <summary>
        /// Does the parameter's method store it into the memory its receiver addresses (<c>receiver-sink</c>, configured or
        /// published by the method's project): a sink at a call on a block the device reads.
        /// </summary>
        public bool IsReceiverSinkParameter(IParameterSymbol parameter) =>
            parameter.ContainingSymbol is IMethodSymbol method && !method.IsStatic
            && _roles.TryGetValue(method.OriginalDefinition, out var configured) && (configured & DmaRole.ReceiverSink) != 0
            && (_receiverSinkParameterNames.TryGetValue(method.OriginalDefinition, out var names) ? names.Contains(parameter.Name) : IsAddressLike(parameter.Type));

        public bool IsAttributedBusSinkParameter(IParameterSymbol parameter) =>
            _busAddressAttribute is not null && (AttributeRoles(parameter.OriginalDefinition) & DmaRole.BusSink) != 0;

        /// <summary>A field or property that is a device-visible sink.</summary>
        [MethodImpl(Jit.Optimized)]
        public bool IsBusSinkMember(ISymbol member) => IsBusSinkMember(member, RolesOf(member));

        /// <summary>
        /// Does every value of the type address device-visible memory (the runtime's CoherentBuffer, a configured type)?
        /// A configured struct is a hardware structure the device reads (a descriptor, a queue head): a pointer to it
        /// (<c>Desc*</c>) addresses device memory too, so <c>desc-&gt;Addr = v</c> is a device-visible store.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public bool IsDeviceMemoryType(ITypeSymbol? type) =>
            type is not null && _deviceTypes.Count > 0
            && (_deviceTypes.Contains(type.OriginalDefinition)
                || (type is IPointerTypeSymbol { PointedAtType: { IsValueType: true } pointed } && _deviceTypes.Contains(pointed.OriginalDefinition)));

        /// <summary>The device-memory types (for the prefilter's names).</summary>
        public IEnumerable<ITypeSymbol> DeviceMemoryTypes => _deviceTypes;

        /// <summary>
        /// A parameter passed by value (or <c>in</c>) that the method is given a raw physical address in: marked
        /// <c>[PhysicalAddressSource]</c>, or named by a symbols-file line <c>physical-source(pa)</c>, on the method itself or
        /// on the interface or base method it implements or overrides (a handler the platform calls with a frame's address). An out or ref parameter so marked is a source at the call
        /// instead (<see cref="ReceivedRolesOf"/>).
        /// </summary>
        public bool IsGivenPhysicalAddress(IParameterSymbol parameter)
        {
            if (_physicalSourceAttribute is null || parameter.RefKind is RefKind.Out or RefKind.Ref || parameter.Ordinal >= 64
                || !(parameter.ContainingSymbol is IMethodSymbol method))
            {
                return false;
            }

            // Asked for every parameter of every body analysed: the method's related members are walked once.
            var definition = method.OriginalDefinition;
            var mask = _givenPhysical.TryGetValue(definition, out var known) ? known : _givenPhysical.GetOrAdd(definition, GivenPhysicalMask);
            return (mask & (1UL << parameter.Ordinal)) != 0;
        }

        /// <summary>
        /// Is the parameter itself marked as given a physical address (the attribute on it, or a <c>physical-source(name)</c>
        /// line), not through a method it implements? What a referenced assembly's own declarations say.
        /// </summary>
        public bool MarksGivenPhysicalAddress(IParameterSymbol parameter) =>
            _physicalSourceAttribute is not null && parameter.RefKind is not (RefKind.Out or RefKind.Ref) && MarkedGivenPhysical(parameter.OriginalDefinition);

        private bool MarkedGivenPhysical(IParameterSymbol declared) =>
            (AttributeRoles(declared) & DmaRole.PhysicalSource) != 0
            || (_roles.TryGetValue(declared, out var configured) && (configured & DmaRole.PhysicalSource) != 0);

        private ulong GivenPhysicalMask(IMethodSymbol method)
        {
            ulong mask = 0;
            foreach (var related in RelatedMembers(method))
            {
                if (!(related is IMethodSymbol relatedMethod))
                {
                    continue;
                }

                for (var i = 0; i < relatedMethod.Parameters.Length && i < 64 && i < method.Parameters.Length; i++)
                {
                    if (MarkedGivenPhysical(relatedMethod.Parameters[i].OriginalDefinition))
                    {
                        mask |= 1UL << i;
                    }
                }
            }

            return mask;
        }

        private readonly ConcurrentDictionary<IMethodSymbol, ulong> _givenPhysical = new ConcurrentDictionary<IMethodSymbol, ulong>(CacheConcurrency, 64, SymbolEqualityComparer.Default);

        /// <summary>A parameter marked [DeviceMemory]: its value addresses device-visible memory.</summary>
        public bool IsDeviceMemoryParameter(IParameterSymbol parameter) =>
            _deviceMemoryAttribute is not null && (AttributeRoles(parameter.OriginalDefinition) & DmaRole.DeviceMemory) != 0;

        [MethodImpl(Jit.Optimized)]
        public bool IsPhysicalType(ITypeSymbol? type) => type is not null && _physicalTypes.Contains(type.OriginalDefinition);

        [MethodImpl(Jit.Optimized)]
        public bool IsBusAddressType(ITypeSymbol? type) => type is not null && _busTypes.Contains(type.OriginalDefinition);

        public bool IsTranslationType(ITypeSymbol? type) => type is not null && _translationTypes.Contains(type.OriginalDefinition);

        /// <summary>An integer wide enough to hold an address, or an address type.</summary>
        [MethodImpl(Jit.Optimized)]
        public bool IsAddressLike(ITypeSymbol type)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_UInt64:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt32:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                    return true;
                default:
                    return IsPhysicalType(type) || IsBusAddressType(type);
            }
        }

        /// <summary>Code of the platform (the DMA API's implementation) is exempt from the driver rules.</summary>
        [MethodImpl(Jit.Optimized)]
        public bool IsPlatformCode(ISymbol? containing)
        {
            if (CompilationIsPlatform)
            {
                return true;
            }

            for (var type = containing as INamedTypeSymbol ?? containing?.ContainingType; type is not null; type = type.ContainingType)
            {
                if (_platformTypes.Contains(type.OriginalDefinition) || HasAttribute(type, _platformAttribute))
                {
                    return true;
                }
            }

            return _platformAttribute is not null && AssemblyIsPlatform();
        }

        // Whether the compilation's assembly is marked [assembly: DmaPlatform]: 0 not yet known, 1 yes, 2 no.
        private int _assemblyIsPlatform;

        /// <summary>
        /// Is the compilation's assembly marked <c>[assembly: DmaPlatform]</c>? Decided once (every body a rule follows asks).
        /// Reading the assembly's attributes binds all of them — in a project that publishes summaries, the thousands the
        /// summary generator adds — so the words of the trees are asked first: no tree that names the attribute's type (as
        /// <c>DmaPlatform</c> or <c>DmaPlatformAttribute</c>, directly, qualified or in an alias, or with a Unicode escape in
        /// a name) means no attribute of the assembly is one.
        /// </summary>
        private bool AssemblyIsPlatform()
        {
            var known = Volatile.Read(ref _assemblyIsPlatform);
            if (known != 0)
            {
                return known == 1;
            }

            var marked = SourceNamesPlatformAttribute() && HasAttribute(Compilation.Assembly, _platformAttribute);
            // Two callers racing decide the same: either write is right.
            Volatile.Write(ref _assemblyIsPlatform, marked ? 1 : 2);
            return marked;
        }

        private bool SourceNamesPlatformAttribute()
        {
            var name = _platformAttribute!.Name;
            var shortName = name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
            foreach (var tree in Compilation.SyntaxTrees)
            {
                if (SourceWords.MayHoldWord(tree, name) || SourceWords.MayHoldWord(tree, shortName))
                {
                    return true;
                }

                var text = SourceWords.TextOf(tree);
                if (text.IndexOf("\\u", StringComparison.Ordinal) >= 0 || text.IndexOf("\\U", StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute)
        {
            if (attribute is null)
            {
                return false;
            }

            foreach (var data in symbol.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
                {
                    return true;
                }
            }

            return false;
        }

        [MethodImpl(Jit.Optimized)]
        public bool IsDirectionType(ITypeSymbol? type) =>
            type is not null && (SymbolEqualityComparer.Default.Equals(type, DirectionType)
                || (type.TypeKind == TypeKind.Enum && type.Name.EndsWith("Direction", System.StringComparison.Ordinal)));

        /// <summary>Names of length parameters of map/unmap/sync methods (configured frameworks name them differently).</summary>
        public static bool IsLengthParameter(IParameterSymbol parameter)
        {
            if (parameter.Type.SpecialType != SpecialType.System_Int32 && parameter.Type.SpecialType != SpecialType.System_Int64
                && parameter.Type.SpecialType != SpecialType.System_UInt32 && parameter.Type.SpecialType != SpecialType.System_UInt64)
            {
                return false;
            }

            switch (parameter.Name.ToLowerInvariant())
            {
                case "length":
                case "len":
                case "size":
                case "count":
                case "bytes":
                case "bytecount":
                    return true;
                default:
                    return false;
            }
        }

        public static ImmutableArray<IParameterSymbol> Parameters(ISymbol symbol) =>
            symbol is IMethodSymbol method ? method.Parameters : ImmutableArray<IParameterSymbol>.Empty;
    }
}
