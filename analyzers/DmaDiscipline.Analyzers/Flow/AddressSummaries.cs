using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Per-compilation summaries for <see cref="AddressFlow"/>: what a method of the compilation
    /// returns (or writes to its out/ref parameters) in terms of its parameters, and what the
    /// methods of a type store into its fields. Computed on demand, once, and only resolved at
    /// sinks, so a body is summarised only when a sink depends on it.
    /// </summary>
    internal sealed partial class AddressSummaries
    {
        // Call chains and field hops followed before giving up (an unknown origin is not reported).
        private const int MaxDepth = 6;

        private readonly DmaSymbols _symbols;
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentDictionary<IMethodSymbol, Summary> _methods = new ConcurrentDictionary<IMethodSymbol, Summary>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IFieldSymbol, ImmutableArray<FieldWrite>> _fields =
            new ConcurrentDictionary<IFieldSymbol, ImmutableArray<FieldWrite>>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<ImmutableArray<ImmutableHashSet<Origin>>>> _creations =
            new ConcurrentDictionary<IMethodSymbol, ImmutableArray<ImmutableArray<ImmutableHashSet<Origin>>>>(SymbolEqualityComparer.Default);

        // Which (method, parameter) pairs reach a device-visible sink, and how; a null path is "does not".
        private readonly ConcurrentDictionary<(IMethodSymbol, int, ulong), SinkPath?> _sinks = new ConcurrentDictionary<(IMethodSymbol, int, ulong), SinkPath?>(SinkKeyComparer.Instance);
        private readonly System.Func<string, bool> _mayBeSinkName;
        private readonly SinkReach? _paths;

        // The driver's own semantic models, offered by the analyzers: callees in those trees are bound once, not twice.
        private readonly CalleeBodies _bodies;

        public void Offer(SemanticModel model) => _bodies.Offer(model);

        /// <summary>The model its bodies are bound with, for a tree of the compilation (one per tree, shared).</summary>
        public SemanticModel ModelOf(SyntaxTree tree) => _bodies.ModelOf(tree);

        private readonly ConcurrentDictionary<IFieldSymbol, ImmutableHashSet<Origin>> _initialFunctions =
            new ConcurrentDictionary<IFieldSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default);

        /// <summary>The lambda or method of the compilation a delegate field's initialiser gives it (what a readonly one always holds, but for a constructor's store).</summary>
        public ImmutableHashSet<Origin> InitialFunctionOf(IFieldSymbol field) => _initialFunctions.GetOrAdd((IFieldSymbol)field.OriginalDefinition, ComputeInitialFunction);

        private ImmutableHashSet<Origin> ComputeInitialFunction(IFieldSymbol field)
        {
            if (field.DeclaringSyntaxReferences.IsEmpty
                || !(field.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: { } value })
                || !_symbols.Compilation.ContainsSyntaxTree(value.SyntaxTree))
            {
                return Origin.None;
            }

            var symbol = _bodies.ModelOf(value.SyntaxTree).GetSymbolInfo(value, _cancellationToken).Symbol as IMethodSymbol;
            return symbol is not null && SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _symbols.Compilation.Assembly)
                ? Origin.None.Add(new FunctionOrigin(symbol))
                : Origin.None;
        }

        // Per member declaration: the assignments inside its lambdas and local functions, by the name assigned.
        private readonly ConcurrentDictionary<SyntaxNode, Dictionary<string, List<SyntaxNode>>> _nestedWrites =
            new ConcurrentDictionary<SyntaxNode, Dictionary<string, List<SyntaxNode>>>();

        /// <summary>
        /// The assignments (<c>a = v</c>, <c>a += v</c>) that the lambdas and local functions of the
        /// member declaring <paramref name="local"/> make to a name like its own; the caller checks the
        /// target is the local. The member's syntax is scanned once.
        /// </summary>
        public IEnumerable<IAssignmentOperation> NestedWrites(ILocalSymbol local)
        {
            if (local.DeclaringSyntaxReferences.IsEmpty || string.IsNullOrEmpty(local.Name))
            {
                yield break;
            }

            var declaration = local.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            SyntaxNode member = declaration;
            while (member.Parent is { } parent && !(member is Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax))
            {
                member = parent;
            }

            var writes = _nestedWrites.GetOrAdd(member, ScanNestedWrites);
            if (!writes.TryGetValue(local.Name, out var found) || !_symbols.Compilation.ContainsSyntaxTree(member.SyntaxTree))
            {
                yield break;
            }

            var model = _bodies.ModelOf(member.SyntaxTree);
            foreach (var syntax in found)
            {
                // Only a function nested in the local's own: its own writes are followed in order.
                if (!SymbolEqualityComparer.Default.Equals(model.GetEnclosingSymbol(syntax.SpanStart, _cancellationToken), local.ContainingSymbol)
                    && Rules.DeepStack.Operation(model, syntax, _cancellationToken) is IAssignmentOperation assignment)
                {
                    yield return assignment;
                }
            }
        }

        /// <summary>
        /// The values <paramref name="local"/> is given anywhere in the member declaring it: its initialiser and every
        /// assignment (<c>a = v</c>, <c>a += v</c>) to it, in the member's own body or in a function nested in it. What
        /// a lambda or local function reads when it reads a local it captures, since it may run after any of them.
        /// Not followed: values given through <c>out</c>/<c>ref</c> arguments or deconstruction.
        /// </summary>
        public IEnumerable<IOperation> ValuesGiven(ILocalSymbol local)
        {
            if (local.DeclaringSyntaxReferences.IsEmpty || string.IsNullOrEmpty(local.Name)
                || !(local.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is { } declaration)
                || !_symbols.Compilation.ContainsSyntaxTree(declaration.SyntaxTree))
            {
                yield break;
            }

            var model = _bodies.ModelOf(declaration.SyntaxTree);
            if (declaration is Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: { } initial }
                && Rules.DeepStack.Operation(model, initial, _cancellationToken) is { } initialValue)
            {
                yield return initialValue;
            }

            SyntaxNode member = declaration;
            while (member.Parent is { } parent && !(member is Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax))
            {
                member = parent;
            }

            foreach (var node in member.DescendantNodes())
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax { Left: Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax name } assignment
                    && name.Identifier.ValueText == local.Name
                    && Rules.DeepStack.Operation(model, assignment, _cancellationToken) is IAssignmentOperation { Target: ILocalReferenceOperation target } written
                    && SymbolEqualityComparer.Default.Equals(target.Local, local))
                {
                    yield return written.Value;
                }
            }
        }

        /// <summary>
        /// The assignments to a plain name inside the member's lambdas, anonymous methods and local functions, by the name
        /// assigned. One walk, each node once, knowing whether it is inside such a function. Outside one, an expression whose
        /// text holds no <c>=&gt;</c> nor <c>delegate</c> is not entered: only a lambda or an anonymous method puts a function
        /// (and so a statement, a local function) inside an expression, so nothing below it can be recorded.
        /// </summary>
        private static Dictionary<string, List<SyntaxNode>> ScanNestedWrites(SyntaxNode member)
        {
            var writes = new Dictionary<string, List<SyntaxNode>>(System.StringComparer.Ordinal);
            var text = Symbols.SourceWords.TextOf(member.SyntaxTree);
            var pending = new Stack<(SyntaxNode Node, bool Nested)>();
            pending.Push((member, false));
            while (pending.Count > 0)
            {
                var (node, nested) = pending.Pop();
                foreach (var child in node.ChildNodes())
                {
                    if (!nested && child is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax && !(node is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax)
                        && !MayHoldFunction(text, child))
                    {
                        continue;
                    }

                    var inner = nested || child is Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax
                        || child is Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax;
                    if (inner && child is Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment
                        && assignment.Left is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax name)
                    {
                        if (!writes.TryGetValue(name.Identifier.ValueText, out var list))
                        {
                            writes[name.Identifier.ValueText] = list = new List<SyntaxNode>();
                        }

                        list.Add(assignment);
                    }

                    pending.Push((child, inner));
                }
            }

            return writes;
        }

        /// <summary>Can the expression hold a lambda or an anonymous method: does its text hold <c>=&gt;</c> or <c>delegate</c>?</summary>
        private static bool MayHoldFunction(string text, SyntaxNode expression)
        {
            var start = System.Math.Min(expression.SpanStart, text.Length);
            var length = System.Math.Min(expression.Span.End, text.Length) - start;
            return length > 0 && (text.IndexOf("=>", start, length, System.StringComparison.Ordinal) >= 0
                || text.IndexOf("delegate", start, length, System.StringComparison.Ordinal) >= 0);
        }

        /// <param name="mayBeSinkName">
        /// The prefilter's word test: can a member called by this name reach a sink? Its text (or a
        /// callee's, transitively) must name one; a call of any other name is not summarised.
        /// </param>
        /// <param name="paths">
        /// Which callees and fields can lead a value on to a device-visible sink, by words (the summary generator's, a
        /// superset): a path through any other is not followed, and its bodies are not summarised. Null: every one is.
        /// </param>
        public AddressSummaries(DmaSymbols symbols, System.Func<string, bool> mayBeSinkName, CancellationToken cancellationToken, SinkReach? paths = null)
        {
            _paths = paths;
            _symbols = symbols;
            _mayBeSinkName = mayBeSinkName;
            _cancellationToken = cancellationToken;
            _bodies = new CalleeBodies(symbols.Compilation, cancellationToken);
            Dispatch = new Dispatch(symbols.Compilation, cancellationToken);
        }

        /// <summary>The bodies a call may run (virtual and interface calls included).</summary>
        public Dispatch Dispatch { get; }

        private sealed class Summary
        {
            public static readonly Summary Empty = new Summary(Origin.None, new Dictionary<int, ImmutableHashSet<Origin>>(), new Dictionary<IFieldSymbol, ImmutableHashSet<Origin>>(SymbolEqualityComparer.Default), new List<SinkHit>(),
                new List<(IMethodSymbol, ImmutableArray<ImmutableHashSet<Origin>>, SyntaxNode)>());

            public Summary(ImmutableHashSet<Origin> returns, Dictionary<int, ImmutableHashSet<Origin>> outValues, Dictionary<IFieldSymbol, ImmutableHashSet<Origin>> fieldWrites, List<SinkHit> sinkHits,
                List<(IMethodSymbol Constructor, ImmutableArray<ImmutableHashSet<Origin>> Arguments, SyntaxNode Site)> creations)
            {
                Returns = returns;
                OutValues = outValues;
                FieldWrites = fieldWrites;
                Creations = creations;
                // In source order, so that the path a message names does not depend on the walk's order.
                sinkHits.Sort((a, b) => a.Site.Syntax.SpanStart.CompareTo(b.Site.Syntax.SpanStart));
                SinkHits = sinkHits;
            }

            public ImmutableHashSet<Origin> Returns { get; }
            public Dictionary<int, ImmutableHashSet<Origin>> OutValues { get; }
            public Dictionary<IFieldSymbol, ImmutableHashSet<Origin>> FieldWrites { get; }
            public List<SinkHit> SinkHits { get; }
            public List<(IMethodSymbol Constructor, ImmutableArray<ImmutableHashSet<Origin>> Arguments, SyntaxNode Site)> Creations { get; }
        }

        /// <summary>What one body stores into a field, and whether that body is one of the field's own type's.</summary>
        private readonly struct FieldWrite
        {
            public FieldWrite(IMethodSymbol writer, ImmutableHashSet<Origin> value, bool ownType, bool notFollowed = false)
            {
                Writer = writer;
                Value = value;
                OwnType = ownType;
                NotFollowed = notFollowed;
            }

            public IMethodSymbol Writer { get; }
            public ImmutableHashSet<Origin> Value { get; }
            public bool OwnType { get; }

            /// <summary>A store the analysis could not follow (an initializer past its graph's budget): the content is not known.</summary>
            public bool NotFollowed { get; }
        }

        /// <summary>A method, a parameter, and which parameters the caller gives device memory (bit per ordinal).</summary>
        private sealed class SinkKeyComparer : IEqualityComparer<(IMethodSymbol Method, int Ordinal, ulong Device)>
        {
            public static readonly SinkKeyComparer Instance = new SinkKeyComparer();

            public bool Equals((IMethodSymbol Method, int Ordinal, ulong Device) x, (IMethodSymbol Method, int Ordinal, ulong Device) y) =>
                x.Ordinal == y.Ordinal && x.Device == y.Device && SymbolEqualityComparer.Default.Equals(x.Method, y.Method);

            public int GetHashCode((IMethodSymbol Method, int Ordinal, ulong Device) key) =>
                SymbolEqualityComparer.Default.GetHashCode(key.Method) ^ key.Ordinal ^ key.Device.GetHashCode();
        }

        /// <summary>A call frame while resolving: the callee's argument values, in the frame of its caller.</summary>
        private sealed class Frame
        {
            public Frame(ImmutableArray<ImmutableHashSet<Origin>>? arguments, Frame? caller, bool keepParameters)
            {
                Arguments = arguments;
                Caller = caller;
                KeepParameters = keepParameters;
            }

            /// <summary>Null at the top: the body's own parameters.</summary>
            public ImmutableArray<ImmutableHashSet<Origin>>? Arguments { get; }
            public Frame? Caller { get; }

            /// <summary>At the top: keep the body's own parameter origins in the result (sink summaries), rather than count them unknown.</summary>
            public bool KeepParameters { get; }
        }

        /// <summary>The earliest device-memory origin the value (an address) may have, if any.</summary>
        public DeviceMemoryOrigin? FindDeviceMemory(ImmutableHashSet<Origin> value) =>
            Origin.Earliest<DeviceMemoryOrigin>(Resolve(value), device => device.Node);

        /// <summary>Which of a call's arguments address device memory (bit per parameter ordinal, the first 64).</summary>
        public ulong DeviceArguments(ImmutableArray<ImmutableHashSet<Origin>> arguments)
        {
            ulong mask = 0;
            for (var i = 0; i < arguments.Length && i < 63; i++)
            {
                if (!arguments[i].IsEmpty && FindDeviceMemory(arguments[i]) is not null)
                {
                    mask |= 1UL << i;
                }
            }

            return mask;
        }

        /// <summary>The earliest physical origin the value may have, if any.</summary>
        public PhysicalOrigin? FindPhysical(ImmutableHashSet<Origin> value) => AddressFlow.EarliestPhysical(Resolve(value));

        /// <summary>A bus address forged from a physical address on some path (see <see cref="ForgedOrigin.FromPhysical"/>), the earliest.</summary>
        public ForgedOrigin? FindForgedFromPhysical(ImmutableHashSet<Origin> value)
        {
            ForgedOrigin? found = null;
            foreach (var origin in Resolve(value))
            {
                if (origin is ForgedOrigin { FromPhysical: true } forged && Origin.IsEarlier(forged.Creation.Syntax, found?.Creation.Syntax))
                {
                    found = forged;
                }
            }

            return found;
        }

        /// <summary>A forgery when every origin of the value is known and forged (no path brings a real bus address).</summary>
        public ForgedOrigin? FindOnlyForged(ImmutableHashSet<Origin> value)
        {
            ForgedOrigin? forged = null;
            var unknown = false;
            var resolved = Resolve(value, ref unknown);
            if (unknown)
            {
                return null;
            }

            foreach (var origin in resolved)
            {
                if (!(origin is ForgedOrigin f))
                {
                    return null;
                }

                if (Origin.IsEarlier(f.Creation.Syntax, forged?.Creation.Syntax))
                {
                    forged = f;
                }
            }

            return forged;
        }

        /// <summary>
        /// Is every origin of <paramref name="value"/> a hard-coded base plus an index-scaled offset
        /// (<see cref="ForgedOrigin.IsIndexed"/>)? Such a constant is an address wherever it reaches a device,
        /// through a wrapper or a register writer too; any other constant there is taken for a command.
        /// </summary>
        public bool IsIndexedConstant(ImmutableHashSet<Origin> value)
        {
            var unknown = false;
            var resolved = Resolve(value, ref unknown);
            if (unknown || resolved.IsEmpty)
            {
                return false;
            }

            foreach (var origin in resolved)
            {
                if (!(origin is ForgedOrigin { IsIndexed: true }))
                {
                    return false;
                }
            }

            return true;
        }

        public ImmutableHashSet<Origin> Resolve(ImmutableHashSet<Origin> value)
        {
            var unknown = false;
            return Resolve(value, ref unknown);
        }

        private ImmutableHashSet<Origin> Resolve(ImmutableHashSet<Origin> value, ref bool unknown)
        {
            var result = Origin.None;
            Resolve(value, new Frame(null, null, keepParameters: false), 0, ref result, ref unknown);
            return result;
        }

        /// <summary>
        /// Can a call of <paramref name="method"/> give a parameter to a device-visible sink? Cheap: by
        /// the prefilter's words only; <see cref="SinkOf"/> decides.
        /// </summary>
        public bool MayReachSink(IMethodSymbol method) => method.MethodKind == MethodKind.LocalFunction || _mayBeSinkName(SinkPath.CallName(method));

        /// <summary>Can what is stored into the field reach a sink? By the prefilter's words: a body that names a sink names the field (an auto-property by its own name).</summary>
        public bool MayReachSink(IFieldSymbol field) => _mayBeSinkName((field.AssociatedSymbol ?? field).Name);

        // Wrapper chains followed before giving up (a longer one is not reported).
        private const int MaxSinkDepth = 8;

        /// <summary>
        /// How parameter <paramref name="ordinal"/> of <paramref name="method"/> reaches a device-visible
        /// sink on some path, through the bodies a call may run (overrides and implementations in the
        /// compilation included); null when it does not, as far as the summaries see.
        /// </summary>
        /// <param name="device">Which parameters the caller gives device memory (bit per ordinal): a store through one is a sink.</param>
        /// <param name="receiver">The field the call's receiver is read from, if any: a device-visible block's own stores are sinks.</param>
        public SinkPath? SinkOf(IMethodSymbol method, int ordinal, ulong device, IFieldSymbol? receiver = null)
        {
            var cut = false;
            var search = new Search();
            return SinkOf(method.OriginalDefinition, ordinal, device, search, 0, ref cut)
                ?? (receiver is not null ? ThroughReceiver(method.OriginalDefinition, ordinal, device, receiver, search, 0, ref cut) : null);
        }

        /// <summary>
        /// The bit of a device mask that says the call's receiver is a device-visible block (its stores
        /// through its own physical-source member are sinks). Parameter ordinals use the bits below it.
        /// </summary>
        public const ulong ReceiverBit = 1UL << 63;

        /// <summary>
        /// A call on a block kept in <paramref name="receiver"/>: a sink through the callee's stores into its
        /// own memory, when the block is device-visible. Asked only where the callee has such a store on the
        /// parameter's path, so that which blocks are device-visible is computed for few fields.
        /// </summary>
        private SinkPath? ThroughReceiver(IMethodSymbol method, int ordinal, ulong device, IFieldSymbol receiver, Search search, int depth, ref bool cut)
        {
            if (SinkOf(method, ordinal, device | ReceiverBit, search, depth, ref cut) is { } path && IsDeviceVisibleBlock(receiver, search, depth, ref cut))
            {
                return path;
            }

            return null;
        }

        /// <summary>Is the block <paramref name="field"/> holds one the device reads (see the private overload)?</summary>
        public bool IsDeviceVisibleBlock(IFieldSymbol field)
        {
            var cut = false;
            return IsDeviceVisibleBlock((IFieldSymbol)field.OriginalDefinition, new Search(), 0, ref cut);
        }

        private readonly ConcurrentDictionary<IFieldSymbol, bool> _deviceBlocks = new ConcurrentDictionary<IFieldSymbol, bool>(SymbolEqualityComparer.Default);

        /// <summary>
        /// Is the object a field holds a block the device reads: does some body give the block's own
        /// address (a physical-source member read on what the field holds, <c>_init.Offset</c>) to a
        /// device-visible sink? Per field, not per instance, as a field's content is.
        /// </summary>
        private bool IsDeviceVisibleBlock(IFieldSymbol field, Search search, int depth, ref bool cut)
        {
            if (_deviceBlocks.TryGetValue(field, out var known))
            {
                return known;
            }

            if (depth > MaxSinkDepth || !search.Fields.Add(field))
            {
                cut = true;
                return false;
            }

            var found = false;
            var belowCut = false;
            foreach (var reader in ReadersOf(field))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                foreach (var hit in SummaryOf(reader).SinkHits)
                {
                    if (AddressesBlockIn(hit.Value, field) && PathOf(hit, 0, search, depth + 1, ref belowCut) is not null)
                    {
                        found = true;
                        break;
                    }
                }

                if (found)
                {
                    break;
                }
            }

            search.Fields.Remove(field);
            if (found || !belowCut)
            {
                _deviceBlocks.TryAdd(field, found);
            }

            cut |= belowCut;
            return found;
        }

        /// <summary>Is a store's memory a block (kept in a field) that the device reads: a <c>receiver-sink</c> call's?</summary>
        private bool IntoDeviceBlock(ImmutableHashSet<Origin> memory, Search search, int depth, ref bool cut)
        {
            foreach (var origin in memory)
            {
                if (origin is BlockMemoryOrigin block && IsDeviceVisibleBlock(block.Field, search, depth + 1, ref cut))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Is a value (in a summarised body) the address of the block <paramref name="field"/> holds: a physical-source
        /// member read on it, or — when the field's type is a physical type, a value that is its own address — the
        /// field's value itself (<c>_ring.ToUInt64()</c>, <c>Send(_cmd)</c>)?
        /// </summary>
        private bool AddressesBlockIn(ImmutableHashSet<Origin> value, IFieldSymbol field)
        {
            var selfAddressed = _symbols.IsPhysicalType(field.Type);
            foreach (var origin in Resolve(value))
            {
                if (origin is PhysicalOrigin physical
                    && ((ReadOn(physical.Operation) is { } instance && SymbolEqualityComparer.Default.Equals(instance, field))
                        || (selfAddressed && ReadOf(physical.Operation) is { } read && SymbolEqualityComparer.Default.Equals(read, field))))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The field (or auto-property's backing field) an operation reads, if it is such a read (<c>_cmd</c>, <c>queue.Buffer</c>).</summary>
        private IFieldSymbol? ReadOf(IOperation operation) => Keys.Unwrap(operation) switch
        {
            IFieldReferenceOperation reference => (IFieldSymbol)reference.Field.OriginalDefinition,
            IPropertyReferenceOperation { Property.IsIndexer: false } reference when BackingFieldOf(reference.Property) is { } backing => (IFieldSymbol)backing.OriginalDefinition,
            _ => null,
        };

        /// <summary>The field an address member is read on (<c>_init</c> of <c>_init.Offset</c>), if it is read on one.</summary>
        private IFieldSymbol? ReadOn(IOperation operation)
        {
            var instance = operation switch
            {
                IFieldReferenceOperation member => member.Instance,
                IPropertyReferenceOperation member => member.Instance,
                _ => null,
            };
            return (instance is null ? null : Keys.Unwrap(instance)) switch
            {
                IFieldReferenceOperation reference => (IFieldSymbol)reference.Field.OriginalDefinition,
                IPropertyReferenceOperation { Property.IsIndexer: false } reference when BackingFieldOf(reference.Property) is { } backing => (IFieldSymbol)backing.OriginalDefinition,
                _ => null,
            };
        }

        /// <summary>How a value stored into <paramref name="field"/> reaches a device-visible sink: some body gives what the field holds to one; null when none does.</summary>
        public SinkPath? SinkOf(IFieldSymbol field)
        {
            var cut = false;
            return FieldSinkOf((IFieldSymbol)field.OriginalDefinition, new Search(), 0, ref cut);
        }

        /// <summary>What one depth-first search has on its path.</summary>
        private sealed class Search
        {
            public HashSet<(IMethodSymbol, int, ulong)> Methods { get; } = new HashSet<(IMethodSymbol, int, ulong)>(SinkKeyComparer.Instance);
            public HashSet<IFieldSymbol> Fields { get; } = new HashSet<IFieldSymbol>(SymbolEqualityComparer.Default);
        }

        private readonly ConcurrentDictionary<IFieldSymbol, SinkPath?> _fieldSinks = new ConcurrentDictionary<IFieldSymbol, SinkPath?>(SymbolEqualityComparer.Default);

        private SinkPath? FieldSinkOf(IFieldSymbol field, Search search, int depth, ref bool cut)
        {
            if (_fieldSinks.TryGetValue(field, out var known))
            {
                return known;
            }

            if (depth > MaxSinkDepth || !search.Fields.Add(field))
            {
                cut = true;
                return null;
            }

            SinkPath? found = null;
            var belowCut = false;
            foreach (var reader in ReadersOf(field))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                foreach (var hit in SummaryOf(reader).SinkHits)
                {
                    if (DependsOnField(hit.Value, field) && PathOf(hit, 0, search, depth, ref belowCut) is { } path)
                    {
                        found = path;
                        break;
                    }
                }

                if (found is not null)
                {
                    break;
                }
            }

            search.Fields.Remove(field);
            if (found is not null || !belowCut)
            {
                _fieldSinks.TryAdd(field, found);
            }

            cut |= belowCut;
            return found;
        }

        /// <summary>Where a hit leads, given which of its body's parameters the caller gives device memory: its sink, or a path through the callee or field it gives the value to.</summary>
        private SinkPath? PathOf(SinkHit hit, ulong device, Search search, int depth, ref bool cut)
        {
            if (hit.Sink is { } sink)
            {
                return hit.Memory is null || IsDeviceMemory(hit.Memory, device) || IntoDeviceBlock(hit.Memory, search, depth, ref cut)
                    ? new SinkPath(sink, hit.Site.Syntax.GetLocation(), null)
                    : null;
            }

            if (hit.Callee is { } callee)
            {
                var inner = InnerDevice(hit.Arguments, device);
                if ((((inner != 0 || MayGiveSink(callee)) ? SinkOf(callee.OriginalDefinition, hit.Ordinal, inner, search, depth + 1, ref cut) : null)
                    ?? (hit.Receiver is { } receiver && MayStoreIntoReceiver(callee) ? ThroughReceiver(callee.OriginalDefinition, hit.Ordinal, inner, receiver, search, depth + 1, ref cut) : null)) is { } next)
                {
                    return new SinkPath(SinkPath.Display(callee, hit.Ordinal), hit.Site.Syntax.GetLocation(), next);
                }
            }

            if (hit.Field is { } stored && (_paths is null || _paths.MayHold(stored)) && FieldSinkOf((IFieldSymbol)stored.OriginalDefinition, search, depth + 1, ref cut) is { } onward)
            {
                return new SinkPath(SinkPath.Display(stored), hit.Site.Syntax.GetLocation(), onward);
            }

            return null;
        }

        /// <summary>
        /// Can a call of the method give a device-visible sink the argument, where the caller gives it no device memory? Always
        /// where no <see cref="SinkReach"/> was given; else only a call whose word is one of them (a function of a body, or an
        /// explicit implementation, shows no word of its own: always).
        /// </summary>
        private bool MayGiveSink(IMethodSymbol callee) =>
            _paths is null || !(SinkReach.CallWord(callee) is { } word) || _paths.MayGive(word);

        /// <summary>
        /// Can a body the call may run store into its receiver's memory: does its declaration name a physical-source member
        /// (as a whole word)? That memory is what such a member of <c>this</c>, read in the body itself, addresses (a callee's
        /// reads are its own receiver's, not followed through returns or fields); where no body names one, the call on a block
        /// reaches no sink it would not reach on any other object. Always where no <see cref="SinkReach"/> was given.
        /// </summary>
        private bool MayStoreIntoReceiver(IMethodSymbol callee)
        {
            if (_paths is null)
            {
                return true;
            }

            var physical = _symbols.Names(_cancellationToken).PhysicalWords;
            foreach (var target in Dispatch.TargetsOf(callee.OriginalDefinition))
            {
                foreach (var reference in target.DeclaringSyntaxReferences)
                {
                    var text = Symbols.SourceWords.TextOf(reference.SyntaxTree);
                    if (physical.AnyIn(text, System.Math.Min(reference.Span.Start, text.Length), System.Math.Min(reference.Span.End, text.Length)))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Does the value (in a summarised body) come from what <paramref name="field"/> holds, also through getters and helpers?</summary>
        private bool DependsOnField(ImmutableHashSet<Origin> value, IFieldSymbol field)
        {
            var result = Origin.None;
            var unknown = false;
            Resolve(value, new Frame(null, null, keepParameters: true), 0, ref result, ref unknown, field);
            foreach (var origin in result)
            {
                if (origin is FieldOrigin held && SymbolEqualityComparer.Default.Equals(held.Field, field))
                {
                    return true;
                }
            }

            return false;
        }

        private readonly ConcurrentDictionary<IFieldSymbol, ImmutableArray<IMethodSymbol>> _readers = new ConcurrentDictionary<IFieldSymbol, ImmutableArray<IMethodSymbol>>(SymbolEqualityComparer.Default);

        /// <summary>
        /// The bodies that may read a field: those whose text names it (an auto-property by its own
        /// name), or names a property of its type whose declaration names it (a getter).
        /// </summary>
        private ImmutableArray<IMethodSymbol> ReadersOf(IFieldSymbol field) => _readers.GetOrAdd(field, ComputeReaders);

        private ImmutableArray<IMethodSymbol> ComputeReaders(IFieldSymbol field)
        {
            var name = (field.AssociatedSymbol ?? field).Name;
            var names = new List<string> { name };
            foreach (var member in field.ContainingType.GetMembers())
            {
                if (member is IPropertySymbol property && !SymbolEqualityComparer.Default.Equals(property, field.AssociatedSymbol)
                    && property.GetMethod is { } getter && MentionsName(getter, name))
                {
                    names.Add(property.Name);
                }
            }

            return BodiesNaming(names, AnyUse);
        }

        // How an occurrence of a word must look for BodiesNaming: anywhere, written, created.
        private const int AnyUse = 0;
        private const int Written = 1;
        private const int Created = 2;

        // The bodies naming one word in one shape, each with its tree's index, in text order: found once per
        // compilation. Many fields share a name (one per type of a generated or repetitive project), and each
        // would otherwise scan the whole compilation's text again.
        private readonly ConcurrentDictionary<(string Word, int Shape), ImmutableArray<(int Tree, IMethodSymbol Method)>> _naming =
            new ConcurrentDictionary<(string, int), ImmutableArray<(int, IMethodSymbol)>>();

        /// <summary>
        /// The bodies of the compilation whose text names one of the words where <paramref name="shape"/>
        /// holds for that occurrence (<see cref="AnyUse"/>, <see cref="Written"/>, <see cref="Created"/>),
        /// by tree, then word, then position. Found as text first: only those trees are parsed and bound.
        /// </summary>
        private ImmutableArray<IMethodSymbol> BodiesNaming(List<string> names, int shape)
        {
            if (names.Count == 1)
            {
                // One word (a field's writers, asked once per field of that name): its bodies are the same for every such field.
                return _namingOne.GetOrAdd((names[0], shape), key => Distinct(_naming.GetOrAdd(key, word => Naming(word.Word, word.Shape))));
            }

            var found = new List<(int Tree, int Word, int At, IMethodSymbol Method)>();
            for (var word = 0; word < names.Count; word++)
            {
                var occurrences = _naming.GetOrAdd((names[word], shape), key => Naming(key.Word, key.Shape));
                for (var at = 0; at < occurrences.Length; at++)
                {
                    found.Add((occurrences[at].Tree, word, at, occurrences[at].Method));
                }
            }

            if (names.Count > 1)
            {
                found.Sort((a, b) => a.Tree != b.Tree ? a.Tree.CompareTo(b.Tree) : a.Word != b.Word ? a.Word.CompareTo(b.Word) : a.At.CompareTo(b.At));
            }

            var readers = ImmutableArray.CreateBuilder<IMethodSymbol>();
            var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var (_, _, _, method) in found)
            {
                if (seen.Add(method))
                {
                    readers.Add(method);
                }
            }

            return readers.ToImmutable();
        }

        private readonly ConcurrentDictionary<(string Word, int Shape), ImmutableArray<IMethodSymbol>> _namingOne =
            new ConcurrentDictionary<(string, int), ImmutableArray<IMethodSymbol>>();

        /// <summary>The bodies of one word's occurrences, each once, in text order.</summary>
        private static ImmutableArray<IMethodSymbol> Distinct(ImmutableArray<(int Tree, IMethodSymbol Method)> occurrences)
        {
            var bodies = ImmutableArray.CreateBuilder<IMethodSymbol>();
            var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var (_, method) in occurrences)
            {
                if (seen.Add(method))
                {
                    bodies.Add(method);
                }
            }

            return bodies.ToImmutable();
        }

        private ImmutableArray<(int Tree, IMethodSymbol Method)> Naming(string word, int shape)
        {
            var found = ImmutableArray.CreateBuilder<(int, IMethodSymbol)>();
            var index = 0;
            foreach (var tree in _symbols.CodeTrees(_cancellationToken))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var text = Symbols.SourceWords.TextOf(tree);
                SyntaxNode? root = null;
                for (var at = Symbols.SourceWords.IndexOfWord(text, word, 0, text.Length); at >= 0; at = Symbols.SourceWords.IndexOfWord(text, word, at + 1, text.Length))
                {
                    if ((shape == Written && !Symbols.SourceWords.IsWrittenAt(text, at, word.Length))
                        || (shape == Created && !Symbols.SourceWords.IsCreatedAt(text, at, word.Length)))
                    {
                        continue;
                    }

                    root ??= tree.GetRoot(_cancellationToken);
                    if (BodyAt(root, at) is { } body && _bodies.ModelOf(tree).GetDeclaredSymbol(body, _cancellationToken) is { } declared
                        && MethodOf(declared) is { } method)
                    {
                        found.Add((index, method));
                    }
                }

                index++;
            }

            return found.ToImmutable();
        }

        /// <summary>The innermost body declaration around a position: an accessor, a method, a constructor, a local function, an expression-bodied property.</summary>
        private static SyntaxNode? BodyAt(SyntaxNode root, int position)
        {
            for (var node = root.FindToken(position).Parent; node is not null; node = node.Parent)
            {
                switch (node)
                {
                    case Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax _:
                        return node;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax property when property.ExpressionBody is not null:
                        return node;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax _:
                        return null;
                }
            }

            return null;
        }

        private static IMethodSymbol? MethodOf(ISymbol declared) => declared switch
        {
            IMethodSymbol method => method,
            IPropertySymbol property => property.GetMethod,
            _ => null,
        };

        private readonly ConcurrentDictionary<IPropertySymbol, IFieldSymbol?> _backing = new ConcurrentDictionary<IPropertySymbol, IFieldSymbol?>(SymbolEqualityComparer.Default);

        /// <summary>The backing field of an auto-property of the compilation; null for any other property.</summary>
        public IFieldSymbol? BackingFieldOf(IPropertySymbol property) =>
            SymbolEqualityComparer.Default.Equals(property.ContainingAssembly, _symbols.Compilation.Assembly)
                ? _backing.GetOrAdd((IPropertySymbol)property.OriginalDefinition, ComputeBacking)
                : null;

        private static IFieldSymbol? ComputeBacking(IPropertySymbol property)
        {
            foreach (var member in property.ContainingType.GetMembers())
            {
                if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
                {
                    return field;
                }
            }

            return null;
        }

        /// <summary>
        /// Depth-first over the wrappers. A pair already on the path is cut (recursion), and so is the
        /// path past <see cref="MaxSinkDepth"/>; a "does not reach" found below a cut is not kept, since
        /// another query may see it through. A path found is kept: it is one.
        /// </summary>
        private SinkPath? SinkOf(IMethodSymbol method, int ordinal, ulong device, Search search, int depth, ref bool cut)
        {
            if (KeepsPhysicalAddress(method))
            {
                return null;
            }

            var key = (method, ordinal, device);
            if (_sinks.TryGetValue(key, out var known))
            {
                return known;
            }

            if (depth > MaxSinkDepth || !search.Methods.Add(key))
            {
                cut = true;
                return null;
            }

            SinkPath? found = null;
            var belowCut = false;
            foreach (var target in Dispatch.TargetsOf(method))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                foreach (var hit in SummaryOf(target).SinkHits)
                {
                    if (!ReachesFromParameter(hit.Value, ordinal))
                    {
                        continue;
                    }

                    if (PathOf(hit, device, search, depth, ref belowCut) is { } path)
                    {
                        found = path;
                        break;
                    }
                }

                if (found is null && ordinal < target.Parameters.Length && PrimaryDeclaration(target) is { } declaration)
                {
                    found = CapturedSinkOf(target.Parameters[ordinal], declaration, search, depth, ref belowCut);
                }

                if (found is not null)
                {
                    break;
                }
            }

            search.Methods.Remove(key);
            if (found is not null || !belowCut)
            {
                _sinks.TryAdd(key, found);
            }

            cut |= belowCut;
            return found;
        }

        /// <summary>
        /// The setter of a property the configuration names as a physical source (a buffer's
        /// <c>PhysicalAddress</c>): where the driver keeps the physical address for the CPU to read back,
        /// whatever memory the setter stores into — bookkeeping, not a hand-off to the device. A property
        /// also named a sink stays one.
        /// </summary>
        private bool KeepsPhysicalAddress(IMethodSymbol method) =>
            method.MethodKind == MethodKind.PropertySet && method.AssociatedSymbol is IPropertySymbol property
            && (_symbols.RolesOf(property) & (DmaRole.PhysicalSource | DmaRole.BusSink)) == DmaRole.PhysicalSource;

        /// <summary>Does an address (in a summarised body) point into device memory: its own, or through a parameter the caller gives device memory?</summary>
        private bool IsDeviceMemory(ImmutableHashSet<Origin> address, ulong device)
        {
            var result = Origin.None;
            var unknown = false;
            Resolve(address, new Frame(null, null, keepParameters: true), 0, ref result, ref unknown);
            foreach (var origin in result)
            {
                if (origin is DeviceMemoryOrigin
                    || (origin is ReceiverMemoryOrigin && (device & ReceiverBit) != 0)
                    || (origin is ParameterOrigin parameter && parameter.Ordinal < 63 && (device & (1UL << parameter.Ordinal)) != 0))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Which of an inner call's arguments address device memory, given which of the body's parameters do.</summary>
        private ulong InnerDevice(ImmutableArray<ImmutableHashSet<Origin>> arguments, ulong device)
        {
            ulong mask = 0;
            if (arguments.IsDefault)
            {
                return mask;
            }

            for (var i = 0; i < arguments.Length && i < 63; i++)
            {
                if (!arguments[i].IsEmpty && IsDeviceMemory(arguments[i], device))
                {
                    mask |= 1UL << i;
                }
            }

            return mask;
        }

        /// <summary>Does the value (in a summarised body) carry the body's own parameter <paramref name="ordinal"/>, also through helpers it called?</summary>
        private bool ReachesFromParameter(ImmutableHashSet<Origin> value, int ordinal) => CarriesParameter(value, null, 0, ordinal);

        /// <summary>Does a method of the compilation return what its parameter <paramref name="ordinal"/> carries, also through helpers it calls (a value-preserving helper)?</summary>
        public bool ReturnsParameter(IMethodSymbol method, int ordinal) => CarriesParameter(SummaryOf(method).Returns, null, 0, ordinal);

        /// <summary>
        /// <see cref="Resolve(ImmutableHashSet{Origin}, Frame, int, ref ImmutableHashSet{Origin}, ref bool, IFieldSymbol?)"/>
        /// asked only whether the body's own parameter comes out: only elements, parameters and calls can
        /// bring one (what a field holds is resolved without the reader's parameters), so nothing else is
        /// followed. <paramref name="frame"/> is null at the body itself.
        /// </summary>
        private bool CarriesParameter(ImmutableHashSet<Origin> value, CallFrame? frame, int depth, int ordinal)
        {
            foreach (var origin in value)
            {
                switch (origin)
                {
                    case ElementOrigin element when CarriesParameter(element.Value, frame, depth, ordinal):
                        return true;
                    case ParameterOrigin parameter when frame is null:
                        if (parameter.Ordinal == ordinal)
                        {
                            return true;
                        }

                        break;
                    case ParameterOrigin parameter when !frame.Arguments.IsDefault && parameter.Ordinal < frame.Arguments.Length && depth <= MaxDepth:
                        // The argument belongs to the caller, one frame up.
                        if (CarriesParameter(frame.Arguments[parameter.Ordinal], frame.Caller, depth + 1, ordinal))
                        {
                            return true;
                        }

                        break;
                    case CallOrigin call when depth < MaxDepth:
                        {
                            var summary = SummaryOf(call.Method);
                            var returned = call.ParameterOrdinal < 0
                                ? summary.Returns
                                : (summary.OutValues.TryGetValue(call.ParameterOrdinal, out var written) ? written : null);
                            if (returned is not null && !returned.IsEmpty && CarriesParameter(returned, new CallFrame(call.Arguments, frame), depth + 1, ordinal))
                            {
                                return true;
                            }

                            break;
                        }
                }
            }

            return false;
        }

        /// <summary>A callee's frame for <see cref="CarriesParameter"/>: its arguments, and the frame they are the values of.</summary>
        private sealed class CallFrame
        {
            public CallFrame(ImmutableArray<ImmutableHashSet<Origin>> arguments, CallFrame? caller)
            {
                Arguments = arguments;
                Caller = caller;
            }

            public ImmutableArray<ImmutableHashSet<Origin>> Arguments { get; }
            public CallFrame? Caller { get; }
        }

        private void Resolve(ImmutableHashSet<Origin> value, Frame frame, int depth, ref ImmutableHashSet<Origin> result, ref bool unknown, IFieldSymbol? keepField = null)
        {
            foreach (var origin in value)
            {
                switch (origin)
                {
                    case PhysicalOrigin _:
                    case ForgedOrigin _:
                    case BusOrigin _:
                    case DeviceMemoryOrigin _:
                    case DeviceContentOrigin _:
                        result = result.Add(origin);
                        break;
                    case ElementOrigin element:
                        Resolve(element.Value, frame, depth, ref result, ref unknown, keepField);
                        break;
                    case ParameterOrigin parameter:
                        if (frame.Arguments is { } args && frame.Caller is { } caller && parameter.Ordinal < args.Length && depth <= MaxDepth)
                        {
                            // The argument belongs to the caller, one frame up.
                            Resolve(args[parameter.Ordinal], caller, depth + 1, ref result, ref unknown, keepField);
                        }
                        else if (frame.Arguments is null && frame.KeepParameters)
                        {
                            result = result.Add(origin);
                        }
                        else
                        {
                            unknown = true;
                        }

                        break;
                    case CallOrigin call when depth < MaxDepth:
                        {
                            var summary = SummaryOf(call.Method);
                            ImmutableHashSet<Origin>? returned = call.ParameterOrdinal < 0
                                ? summary.Returns
                                : (summary.OutValues.TryGetValue(call.ParameterOrdinal, out var written) ? written : null);
                            if (returned is null || returned.IsEmpty)
                            {
                                unknown = true;
                            }
                            else
                            {
                                Resolve(returned, new Frame(call.Arguments, frame, keepParameters: false), depth + 1, ref result, ref unknown, keepField);
                            }

                            break;
                        }

                    case TranslatedOrigin translated when depth < MaxDepth:
                        {
                            // Only the device memory the translated address arguments address carries through.
                            var inner = Origin.None;
                            var innerUnknown = false;
                            Resolve(translated.Arguments, frame, depth + 1, ref inner, ref innerUnknown, keepField);
                            unknown = true; // a translated address is not known to be forged either
                            foreach (var carried in inner)
                            {
                                if (carried is DeviceMemoryOrigin)
                                {
                                    result = result.Add(carried);
                                }
                            }

                            break;
                        }

                    case LoadedOrigin loaded when depth < MaxDepth:
                        {
                            // A load through memory the caller (or a field) gives: what the device wrote where that is device memory.
                            var memory = Origin.None;
                            var memoryUnknown = false;
                            Resolve(loaded.Memory, frame, depth + 1, ref memory, ref memoryUnknown, keepField);
                            if (AddressFlow.HasDeviceMemory(memory))
                            {
                                result = result.Add(new DeviceContentOrigin(loaded.Load));
                            }
                            else
                            {
                                // Ordinary memory, or not known (not published either): a number not known.
                                unknown = true;
                            }

                            break;
                        }

                    case CapturedOrigin _:
                        // Kept for DependsOnCaptured; what it holds is not known.
                        result = result.Add(origin);
                        unknown = true;
                        break;
                    case ReceiverMemoryOrigin _:
                        if (frame.Arguments is null && frame.KeepParameters)
                        {
                            result = result.Add(origin);
                        }

                        break;
                    case FieldOrigin kept when keepField is not null && SymbolEqualityComparer.Default.Equals(kept.Field, keepField):
                        result = result.Add(origin);
                        break;
                    case FieldOrigin _ when keepField is not null:
                        // Asked only whether the kept field comes out (DependsOnField): another field's content never holds
                        // it (a content is resolved without a kept field), so it is not resolved — nor its writers bound.
                        unknown = true;
                        break;
                    case FieldOrigin field when depth < MaxDepth:
                        ResolveField(field.Field, depth, ref result, ref unknown);
                        break;
                    case MadeMemberOrigin made when keepField is not null && SymbolEqualityComparer.Default.Equals(made.Member, keepField):
                        // Does the value depend on the member (a sink summary asks)? It is a read of it.
                        result = result.Add(new FieldOrigin(made.Member));
                        break;
                    case MadeMemberOrigin made when depth < MaxDepth:
                        ResolveMade(made, depth, ref result, ref unknown);
                        break;

                    default:
                        unknown = true;
                        break;
                }
            }
        }

        /// <summary>What a method of the compilation may return, through its callees, its own parameters kept (what its assembly publishes of it).</summary>
        public ImmutableHashSet<Origin> ReturnsOf(IMethodSymbol method)
        {
            var result = Origin.None;
            var unknown = false;
            Resolve(SummaryOf(method).Returns, new Frame(null, null, keepParameters: true), 0, ref result, ref unknown);
            return result;
        }

        /// <summary>
        /// The physical addresses and device memory a field of the compilation may hold, as a reader of it resolves it (what
        /// its assembly publishes of it), and other origins besides. A store by another type is followed only where
        /// <paramref name="mayStoreContent"/> says its writer may store a physical address or device memory into the field
        /// (other than through its parameters, which a store from outside does not follow): a writer it rules out is not
        /// summarised, and what it stores (a bus address, a forgery) is left out. Where the field's whole content is known
        /// already, that is the answer.
        /// </summary>
        public ImmutableHashSet<Origin> HeldBy(IFieldSymbol field, System.Func<IMethodSymbol, bool> mayStoreContent)
        {
            var key = (IFieldSymbol)field.OriginalDefinition;
            if (_held.TryGetValue(key, out var kept))
            {
                return kept.Content;
            }

            var result = Origin.None;
            var unknown = false;
            var resolving = t_resolving ??= new HashSet<IFieldSymbol>(SymbolEqualityComparer.Default);
            if (!resolving.Add(key))
            {
                return result;
            }

            try
            {
                var writes = key.ContainingType is null ? ImmutableArray<FieldWrite>.Empty : FieldWritesOf(key, mayStoreContent);
                ResolveFieldWrites(writes, ref result, ref unknown);
            }
            finally
            {
                resolving.Remove(key);
            }

            return result;
        }

        /// <summary>
        /// What a field (or auto-property, or the elements of an array in one) may hold, wherever it is
        /// read: the content model is per field, not per instance, and a may-content (the union of every
        /// store). Its own type's stores count whole. A value that enters from outside — a store by
        /// another type, or a constructor's parameter (followed back to every <c>new</c> of the type) —
        /// counts for where memory is (device memory) and for being a real bus address; a physical or
        /// forged address entering that way is reported where it enters (the store, the <c>new</c>), not
        /// again where the field is read.
        /// </summary>
        private void ResolveField(IFieldSymbol field, int depth, ref ImmutableHashSet<Origin> result, ref bool unknown)
        {
            // A field's content does not depend on who reads it: resolved once, with its own depth budget,
            // and kept. A field met again while its own content is being resolved (a cycle through
            // fields) counts as unknown there; a content that met such a cycle depends on where the
            // resolution started, so it is not kept (kept contents are the same whichever thread or
            // query resolves them first).
            var key = (IFieldSymbol)field.OriginalDefinition;
            if (_held.TryGetValue(key, out var kept))
            {
                result = result.Union(kept.Content);
                unknown |= kept.Unknown;
                return;
            }

            var resolving = t_resolving ??= new HashSet<IFieldSymbol>(SymbolEqualityComparer.Default);
            if (!resolving.Add(key))
            {
                t_cycles++;
                unknown = true;
                return;
            }

            var cyclesBefore = t_cycles;
            var content = Origin.None;
            var contentUnknown = false;
            try
            {
                ResolveFieldWrites(key, ref content, ref contentUnknown);
            }
            finally
            {
                resolving.Remove(key);
            }

            if (t_cycles == cyclesBefore)
            {
                _held.TryAdd(key, (content, contentUnknown));
            }

            result = result.Union(content);
            unknown |= contentUnknown;
        }

        private readonly ConcurrentDictionary<IFieldSymbol, (ImmutableHashSet<Origin> Content, bool Unknown)> _held =
            new ConcurrentDictionary<IFieldSymbol, (ImmutableHashSet<Origin>, bool)>(SymbolEqualityComparer.Default);

        [System.ThreadStatic]
        private static HashSet<IFieldSymbol>? t_resolving;

        [System.ThreadStatic]
        private static int t_cycles;

        private void ResolveFieldWrites(IFieldSymbol field, ref ImmutableHashSet<Origin> result, ref bool unknown) =>
            ResolveFieldWrites(field.ContainingType is null ? ImmutableArray<FieldWrite>.Empty : _fields.GetOrAdd((IFieldSymbol)field.OriginalDefinition, ComputeFieldWrites),
                ref result, ref unknown);

        private void ResolveFieldWrites(ImmutableArray<FieldWrite> writes, ref ImmutableHashSet<Origin> result, ref bool unknown)
        {
            const int depth = 0;
            if (writes.IsEmpty)
            {
                unknown = true;
                return;
            }

            var top = new Frame(null, null, keepParameters: false);
            foreach (var write in writes)
            {
                if (write.NotFollowed)
                {
                    unknown = true;
                    continue;
                }

                if (!write.OwnType)
                {
                    ResolveEntered(write.Value, top, depth + 1, ref result, ref unknown, forgeries: true);
                    continue;
                }

                var own = write.Value;
                if ((write.Writer.MethodKind == MethodKind.Constructor || write.Writer.MethodKind == MethodKind.PropertySet) && HasParameter(own))
                {
                    // A constructor's or setter's parameter: what each new or assignment of the compilation gives it.
                    var sites = CreationsOf(write.Writer);
                    if (sites.IsEmpty)
                    {
                        unknown = true;
                    }

                    foreach (var origin in own)
                    {
                        if (origin is ParameterOrigin parameter)
                        {
                            own = own.Remove(origin);
                            foreach (var arguments in sites)
                            {
                                ResolveEntered(Origin.None.Add(parameter), new Frame(arguments, top, keepParameters: false), depth + 1, ref result, ref unknown,
                                    through: write.Writer, ordinal: parameter.Ordinal);
                            }
                        }
                    }
                }

                Resolve(own, top, depth + 1, ref result, ref unknown);
            }
        }

        /// <summary>
        /// Resolves a value that entered a field from outside its type: where it points (device memory)
        /// and real bus addresses are kept, and bus addresses made outside the DMA API — from a store by
        /// another type (<paramref name="forgeries"/>), or given to a constructor's or setter's parameter
        /// (<paramref name="through"/>, kept marked with it) — reported where the field reaches an unmap, a
        /// sync or a device (only where no store brings a real one), unless that parameter itself reaches a
        /// device (then where it enters: <see cref="ReportedWhereEntered"/>). A physical address is reported
        /// where it enters, not here.
        /// </summary>
        private void ResolveEntered(ImmutableHashSet<Origin> value, Frame frame, int depth, ref ImmutableHashSet<Origin> result, ref bool unknown, bool forgeries = false,
            IMethodSymbol? through = null, int ordinal = -1)
        {
            var entered = Origin.None;
            Resolve(value, frame, depth, ref entered, ref unknown);
            foreach (var origin in entered)
            {
                if (origin is DeviceMemoryOrigin || origin is BusOrigin || (forgeries && origin is ForgedOrigin))
                {
                    result = result.Add(origin);
                }
                else if (through is not null && origin is ForgedOrigin forged)
                {
                    result = result.Add(forged.EnteredThrough is null ? forged.Entered(through, ordinal) : forged);
                }
            }
        }

        /// <summary>
        /// Is every forgery the value may be one that entered a field through a constructor's or setter's parameter
        /// that reaches a device-visible sink — so that it was reported where it entered (the <c>new</c>, the
        /// assignment), and is not again where the field is read? A bare constant is never reported through a
        /// wrapper, so it is reported where it is read.
        /// </summary>
        public bool ReportedWhereEntered(ImmutableHashSet<Origin> value)
        {
            var any = false;
            foreach (var origin in Resolve(value))
            {
                if (!(origin is ForgedOrigin forged))
                {
                    continue;
                }

                if (!(forged.EnteredThrough is { } method) || (forged.IsConstant && !forged.IsIndexed) || SinkOf(method, forged.EnteredOrdinal, 0) is null)
                {
                    return false;
                }

                any = true;
            }

            return any;
        }

        private static bool HasParameter(ImmutableHashSet<Origin> value)
        {
            foreach (var origin in value)
            {
                if (origin is ParameterOrigin)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// What the bodies of the compilation store into the field (an auto-property by the property's
        /// name): every member of its own type that names it, and the bodies of other types whose text
        /// writes it (the name followed by an assignment, an element assignment, <c>++</c>/<c>--</c>, or
        /// given as <c>ref</c>/<c>out</c>) — a body that only reads it is not summarised for this.
        /// </summary>
        private ImmutableArray<FieldWrite> ComputeFieldWrites(IFieldSymbol field) => FieldWritesOf(field, null);

        /// <param name="mayStoreContent">Where given, a body of another type is summarised only where this says it may store content into the field.</param>
        private ImmutableArray<FieldWrite> FieldWritesOf(IFieldSymbol field, System.Func<IMethodSymbol, bool>? mayStoreContent)
        {
            var writes = ImmutableArray.CreateBuilder<FieldWrite>();
            var name = (field.AssociatedSymbol ?? field).Name;
            var own = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var member in field.ContainingType.GetMembers())
            {
                if (member is IMethodSymbol method && MentionsName(method, name) && own.Add(method)
                    && SummaryOf(method).FieldWrites.TryGetValue(field, out var value) && !value.IsEmpty)
                {
                    writes.Add(new FieldWrite(method, value, ownType: true));
                }
            }

            foreach (var method in BodiesNaming(new List<string> { name }, Written))
            {
                if (own.Contains(method.OriginalDefinition))
                {
                    continue;
                }

                var ownType = SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, field.ContainingType.OriginalDefinition);
                if ((ownType || mayStoreContent is null || mayStoreContent(method))
                    && SummaryOf(method).FieldWrites.TryGetValue(field, out var value) && !value.IsEmpty)
                {
                    writes.Add(new FieldWrite(method, value, ownType));
                }
            }

            if (InitializerWrite(field) is { } initial)
            {
                writes.Add(initial);
            }

            return writes.ToImmutable();
        }

        /// <summary>
        /// The store a field's (or auto-property's) own initializer makes (<c>static readonly DmaAddr Scratch = new DmaAddr(…)</c>,
        /// <c>IoAddr None = default</c>): a store by its own type, made by the constructor that runs the initializer (the
        /// static constructor for a static member, an instance constructor otherwise), followed over the initializer's own
        /// control-flow graph. Null when the member has no initializer in the compilation or it holds nothing followed.
        /// </summary>
        private FieldWrite? InitializerWrite(IFieldSymbol field)
        {
            var declared = field.AssociatedSymbol ?? field;
            if (declared.DeclaringSyntaxReferences.IsEmpty)
            {
                return null;
            }

            var syntax = declared.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            var initializer = syntax switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax variable => variable.Initializer,
                Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax property => property.Initializer,
                _ => null,
            };
            var writer = field.IsStatic ? FirstOf(field.ContainingType.StaticConstructors) : FirstOf(field.ContainingType.InstanceConstructors);
            if (initializer is null || writer is null || !_symbols.Compilation.ContainsSyntaxTree(initializer.SyntaxTree))
            {
                return null;
            }

            var graph = InitializerGraph(initializer);
            var flow = new AddressFlow(_symbols, this, writer, summarise: true, report: null);
            if (graph is null || !FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(graph, flow))
            {
                // Not followed: the field's content is not known (never taken for "every store forged").
                return new FieldWrite(writer, Origin.None, ownType: true, notFollowed: true);
            }

            return flow.FieldWrites.TryGetValue(field, out var value) && !value.IsEmpty ? new FieldWrite(writer, value, ownType: true) : null;

            // The constructor that runs the initializer: a primary constructor where the type has one (its parameters are
            // what the initializer may read, followed back to every new), else the first.
            static IMethodSymbol? FirstOf(ImmutableArray<IMethodSymbol> constructors)
            {
                foreach (var constructor in constructors)
                {
                    if (!constructor.DeclaringSyntaxReferences.IsEmpty
                        && constructor.DeclaringSyntaxReferences[0].GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax)
                    {
                        return constructor;
                    }
                }

                return constructors.IsEmpty ? null : constructors[0];
            }
        }

        /// <summary>The argument values of every <c>new</c> of the constructor in the compilation (bodies that name its type), or of every assignment of a setter's property.</summary>
        private ImmutableArray<ImmutableArray<ImmutableHashSet<Origin>>> CreationsOf(IMethodSymbol constructor) =>
            _creations.GetOrAdd((IMethodSymbol)constructor.OriginalDefinition, ComputeCreations);

        private ImmutableArray<ImmutableArray<ImmutableHashSet<Origin>>> ComputeCreations(IMethodSymbol constructor)
        {
            var sites = ImmutableArray.CreateBuilder<ImmutableArray<ImmutableHashSet<Origin>>>();
            // A setter is called where its property is assigned.
            var callers = constructor.MethodKind == MethodKind.PropertySet && constructor.AssociatedSymbol is { } property
                ? BodiesNaming(new List<string> { property.Name }, Written)
                : BodiesNaming(new List<string> { constructor.ContainingType.Name }, Created);
            foreach (var method in callers)
            {
                foreach (var (called, arguments, _) in SummaryOf(method).Creations)
                {
                    if (SymbolEqualityComparer.Default.Equals(called.OriginalDefinition, constructor))
                    {
                        sites.Add(arguments);
                    }
                }
            }

            return sites.ToImmutable();
        }

        private bool MentionsName(IMethodSymbol method, string name)
        {
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                // The tree's text is shared, not copied out per member: every field of a type asks this of every member of the type.
                var text = Symbols.SourceWords.TextOf(reference.SyntaxTree);
                var start = System.Math.Min(reference.Span.Start, text.Length);
                if (text.IndexOf(name, start, System.Math.Min(reference.Span.End, text.Length) - start, System.StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private Summary SummaryOf(IMethodSymbol method) => _methods.GetOrAdd(method.OriginalDefinition, ComputeSummary);

        /// <summary>The bodies summarised so far (each bound once): what a query cost, for tests and benchmarks.</summary>
        public IReadOnlyCollection<IMethodSymbol> Summarised => (IReadOnlyCollection<IMethodSymbol>)_methods.Keys;

        private Summary ComputeSummary(IMethodSymbol method)
        {
            if (PrimaryDeclaration(method) is { } declaration)
            {
                return PrimaryConstructorSummary(method, declaration);
            }

            var body = _bodies.BodyOf(method);
            if (body is null)
            {
                return Summary.Empty;
            }

            if (method.MethodKind == MethodKind.AnonymousFunction && !(body is IAnonymousFunctionOperation))
            {
                // A query clause's lambda is declared by the clause's expression: the lambda is around it.
                for (var around = body.Parent; around is not null; around = around.Parent)
                {
                    if (around is IAnonymousFunctionOperation enclosing && SymbolEqualityComparer.Default.Equals(enclosing.Symbol, method))
                    {
                        body = enclosing;
                        break;
                    }
                }
            }

            AddressFlow? flow = new AddressFlow(_symbols, this, method, summarise: true, report: null);
            if (body is ILocalFunctionOperation local)
            {
                // A local function's graph is its enclosing body's.
                if (!(_bodies.LocalFunctionGraph(local) is { } localGraph) || !FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(localGraph, flow))
                {
                    return Summary.Empty;
                }
            }
            else if (body is IAnonymousFunctionOperation lambda)
            {
                // A lambda's graph is its enclosing body's.
                if (!(_bodies.LambdaGraph(lambda) is { } lambdaGraph) || !FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(lambdaGraph, flow))
                {
                    return Summary.Empty;
                }
            }
            else if ((flow = Followed(method, body)) is null)
            {
                return Summary.Empty;
            }

            // Out/ref values are collected at exits, which only the reporting pass visits.
            return new Summary(flow.Returns, flow.OutValues, flow.FieldWrites, flow.SinkHits, flow.Creations);
        }

        /// <summary>
        /// A body summarised: over its tree (<see cref="StructuredFlow"/>), as its graph would be; where the walk declines it,
        /// over its graph from a fresh state. Null when neither follows it (nothing of a failed attempt is kept).
        /// </summary>
        private AddressFlow? Followed(IMethodSymbol method, IOperation body)
        {
            var flow = new AddressFlow(_symbols, this, method, summarise: true, report: null);
            if (StructuredFlow.TryRun(body, flow))
            {
                return flow;
            }

            flow = new AddressFlow(_symbols, this, method, summarise: true, report: null);
            return _bodies.GraphOf(body) is { } graph && FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(graph, flow) ? flow : null;
        }

        /// <summary>The control-flow graph of a field's or auto-property's initializer (its own root operation); null for anything else.</summary>
        private ControlFlowGraph? InitializerGraph(EqualsValueClauseSyntax initializer)
        {
            var operation = _bodies.ModelOf(initializer.SyntaxTree).GetOperation(initializer, _cancellationToken);
            return operation is null ? null : Rules.DeepStack.Run(initializer, () => operation switch
            {
                IFieldInitializerOperation { Parent: null } field => ControlFlowGraph.Create(field, _cancellationToken),
                IPropertyInitializerOperation { Parent: null } property => ControlFlowGraph.Create(property, _cancellationToken),
                _ => (ControlFlowGraph?)null,
            });
        }

        /// <summary>The type declaration a primary constructor is declared by (its parameter list), or null for any other method.</summary>
        private TypeDeclarationSyntax? PrimaryDeclaration(IMethodSymbol method) =>
            method.MethodKind == MethodKind.Constructor && !method.DeclaringSyntaxReferences.IsEmpty
            && method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is TypeDeclarationSyntax { ParameterList: not null } declaration
            && _symbols.Compilation.ContainsSyntaxTree(declaration.SyntaxTree)
                ? declaration
                : null;

        /// <summary>
        /// A primary constructor has no block: what it does with its parameters is what it gives its base constructor
        /// (<c>: RingBase(phys)</c>, its body as the compiler has it) and what the instance initializers of the declaration
        /// that has them store (<c>class Ring(ulong phys) { ulong _base = phys; }</c>: a store of the parameter into
        /// <c>_base</c>, a sink when the field reaches one), each followed over its own graph into one summary. A parameter
        /// a member reads directly (captured by the compiler into a hidden field) is its readers' (<see cref="CapturedSinkOf"/>).
        /// </summary>
        private Summary PrimaryConstructorSummary(IMethodSymbol constructor, TypeDeclarationSyntax declaration)
        {
            var fromBody = _bodies.BodyOf(constructor) is { } body ? Followed(constructor, body) : null;
            var flow = fromBody ?? new AddressFlow(_symbols, this, constructor, summarise: true, report: null);
            var followed = fromBody is not null;
            foreach (var initializer in InstanceInitializers(declaration))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (InitializerGraph(initializer) is { } graph && FlowSolver<ImmutableDictionary<object, ImmutableHashSet<Origin>>>.Run(graph, flow))
                {
                    followed = true;
                }
            }

            return followed ? new Summary(flow.Returns, flow.OutValues, flow.FieldWrites, flow.SinkHits, flow.Creations) : Summary.Empty;
        }

        /// <summary>
        /// Where a primary constructor's parameter that members of its declaration read (<c>class Ring(ulong phys) { void
        /// Start(Regs r) => r.QueueDesc = phys; }</c>) reaches a device-visible sink through one of them, as a field's
        /// content would through its readers. The members that name it as a word are summarised, no other.
        /// </summary>
        private SinkPath? CapturedSinkOf(IParameterSymbol parameter, TypeDeclarationSyntax declaration, Search search, int depth, ref bool cut)
        {
            var name = parameter.Name;
            var model = _bodies.ModelOf(declaration.SyntaxTree);
            var text = Symbols.SourceWords.TextOf(declaration.SyntaxTree);
            var readers = new List<IMethodSymbol>();
            var getters = new List<string>();
            foreach (var member in declaration.Members)
            {
                if (member is BaseFieldDeclarationSyntax || member is BaseTypeDeclarationSyntax || member is DelegateDeclarationSyntax
                    || member.Span.End > text.Length || Symbols.SourceWords.IndexOfWord(text, name, member.SpanStart, member.Span.End) < 0)
                {
                    // Initializers are the constructor's own summary; nested types cannot read the parameter.
                    continue;
                }

                foreach (var reader in ReadersIn(member, model))
                {
                    readers.Add(reader);
                    if (reader.MethodKind == MethodKind.PropertyGet && reader.AssociatedSymbol is IPropertySymbol property)
                    {
                        // A getter that returns it: where the property is read, it is read.
                        getters.Add(property.Name);
                    }
                }
            }

            if (getters.Count > 0)
            {
                readers.AddRange(BodiesNaming(getters, AnyUse));
            }

            foreach (var reader in readers)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                foreach (var hit in SummaryOf(reader).SinkHits)
                {
                    if (DependsOnCaptured(hit.Value, parameter) && PathOf(hit, 0, search, depth + 1, ref cut) is { } path)
                    {
                        return path;
                    }
                }
            }

            return null;
        }

        /// <summary>The functions a member declaration declares: a method, operator or conversion; a property's, indexer's or event's accessors.</summary>
        private IEnumerable<IMethodSymbol> ReadersIn(MemberDeclarationSyntax member, SemanticModel model)
        {
            switch (model.GetDeclaredSymbol(member, _cancellationToken))
            {
                case IMethodSymbol method:
                    yield return method;
                    break;
                case IPropertySymbol property:
                    if (property.GetMethod is { } getter)
                    {
                        yield return getter;
                    }

                    if (property.SetMethod is { } setter)
                    {
                        yield return setter;
                    }

                    break;
                case IEventSymbol @event:
                    if (@event.AddMethod is { } add)
                    {
                        yield return add;
                    }

                    if (@event.RemoveMethod is { } remove)
                    {
                        yield return remove;
                    }

                    break;
            }
        }

        /// <summary>Does the value (in a summarised body) come from the captured primary-constructor parameter, also through helpers?</summary>
        private bool DependsOnCaptured(ImmutableHashSet<Origin> value, IParameterSymbol parameter)
        {
            var result = Origin.None;
            var unknown = false;
            Resolve(value, new Frame(null, null, keepParameters: true), 0, ref result, ref unknown);
            return result.Contains(new CapturedOrigin(parameter));
        }

        /// <summary>The initializers of a declaration's instance fields and properties: what its primary constructor runs that can read its parameters.</summary>
        private static IEnumerable<EqualsValueClauseSyntax> InstanceInitializers(TypeDeclarationSyntax declaration)
        {
            foreach (var member in declaration.Members)
            {
                switch (member)
                {
                    case FieldDeclarationSyntax field when !field.Modifiers.Any(SyntaxKind.StaticKeyword) && !field.Modifiers.Any(SyntaxKind.ConstKeyword):
                        foreach (var variable in field.Declaration.Variables)
                        {
                            if (variable.Initializer is { } initializer)
                            {
                                yield return initializer;
                            }
                        }

                        break;
                    case PropertyDeclarationSyntax { Initializer: { } initializer } property when !property.Modifiers.Any(SyntaxKind.StaticKeyword):
                        yield return initializer;
                        break;
                }
            }
        }
    }
}
