using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using DmaDiscipline.Analyzers.Symbols;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Follows every mapping (and coherent buffer) made in one body from its map call to its exits:
    /// released or transferred (DMA002), checked before use (DMA003), unmapped/synced with the map's
    /// length and direction (DMA004), buffer ownership (DMA005), use after release (DMA006).
    /// Handles are tracked in locals, parameters, fields of this instance and flow captures.
    /// </summary>
    internal sealed class MappingFlow : FlowAnalysis<MappingState>
    {
        private const long FromDevice = TransferDirection.FromDevice;
        private const long Bidirectional = TransferDirection.Bidirectional;
        private const long ToDevice = TransferDirection.ToDevice;

        private readonly DmaSymbols _symbols;
        private readonly Action<Diagnostic> _report;
        private readonly Dictionary<IOperation, MapSite> _sites = new Dictionary<IOperation, MapSite>(ByPlace.Instance);
        private readonly HashSet<(string, Location)> _reported = new HashSet<(string, Location)>();

        // DMA005 once per statement and mapping: two reads of one buffer in one expression are one defect, one fix.
        private readonly HashSet<(SyntaxNode, MapSite)> _cpuAccessReported = new HashSet<(SyntaxNode, MapSite)>();
        private readonly Dictionary<MapSite, int> _leaks = new Dictionary<MapSite, int>();
        private readonly List<LeakExit> _leakExits = new List<LeakExit>();
        // ToDevice mappings whose buffer the CPU writes, and syncs for the CPU of ToDevice mappings (pointless without such a write).
        private readonly HashSet<MapSite> _writtenToDevice = new HashSet<MapSite>();
        private readonly List<(MapSite Site, IInvocationOperation Sync)> _syncsForCpuOfToDevice = new List<(MapSite, IInvocationOperation)>();
        private bool _reporting;

        // Set once a handle is stored into a field or a member of another object: only then are
        // members looked up as storage and calls checked for what they can reach.
        private bool _slotsHeld;

        // What each flow capture holds: an assignment target the graph evaluated ahead of the value.
        private readonly Dictionary<CaptureId, IOperation> _captured = new Dictionary<CaptureId, IOperation>();

        public MappingFlow(DmaSymbols symbols, Action<Diagnostic> report, ISymbol? owner = null, SemanticModel? model = null,
            MappingSummaries? summaries = null, MappingSummaries.Search? search = null, MappingRecording? recording = null)
        {
            _symbols = symbols;
            _report = report;
            _owner = owner;
            _model = model;
            _summaries = summaries;
            _search = search;
            _recording = recording;
        }

        // What calls of the compilation's methods do with mappings (null: every callee takes what it is given, and makes nothing).
        private readonly MappingSummaries? _summaries;
        private readonly MappingSummaries.Search? _search;

        // Set when this run summarises a callee rather than reports on it.
        private readonly MappingRecording? _recording;

        // The body's model, for the operation tree of a lambda the graph holds as a symbol only.
        private readonly SemanticModel? _model;

        // The method, lambda or local function whose body is analysed, when known: a local of another
        // (an enclosing body's, captured) is storage that body holds.
        private readonly ISymbol? _owner;

        public override MappingState Entry => _recording?.Entry ?? MappingState.Empty;

        [MethodImpl(Jit.Optimized)]
        public override MappingState Join(MappingState a, MappingState b)
        {
            if (ReferenceEquals(a, b) || b.IsDead)
            {
                return a;
            }

            if (a.IsDead)
            {
                return b;
            }

            // Each map skips what the two paths share (their common history): a join costs what the
            // paths changed since they parted, not what the state holds.
            // Different handles on different paths: one of them, whichever the path brought (a choice).
            // Anything else: not followed further (nor brought back by a third path).
            var bindings = a.Bindings.Union(b.Bindings, (key, x, y) => !x.Equals(y) && Keys.IsElementMember(key) ? ConflictBinding.Instance : JoinBindings(x, a, y, b));
            _failedOnOneSide.Clear();
            var sites = a.Sites.Union(b.Sites, _joinSites ??= JoinSites);
            if (_failedOnOneSide.Count > 0)
            {
                bindings = HeldWhereNotFailed(bindings, a, b);
                bindings = HeldWhereNotFailed(bindings, b, a);
            }

            if (_releasedElsewhere.Count > 0)
            {
                // A handle mapped elsewhere and released on one of the paths only: may be released.
                foreach (var site in _releasedElsewhere)
                {
                    if (a.Sites.TryGetValue(site, out _) != b.Sites.TryGetValue(site, out _))
                    {
                        sites = sites.SetItem(site, sites.TryGetValue(site, out var status) ? status.With(SiteFlags.NotReleased, SiteFlags.None) : status);
                    }
                }
            }

            var constants = a.Constants.Intersect(b.Constants);
            return ReferenceEquals(bindings, a.Bindings) && ReferenceEquals(sites, a.Sites) && ReferenceEquals(constants, a.Constants)
                ? a
                : new MappingState(bindings, sites, constants);
        }

        /// <summary>Two statuses of a site joined; a site found failed on one side only is noted for <see cref="HeldWhereNotFailed"/>.</summary>
        private SiteStatus JoinSites(MapSite site, SiteStatus x, SiteStatus y)
        {
            if (((x.Flags ^ y.Flags) & SiteFlags.Failed) != 0)
            {
                _failedOnOneSide.Add(site);
            }

            return x.Join(y);
        }

        private Func<MapSite, SiteStatus, SiteStatus, SiteStatus>? _joinSites;
        private readonly List<MapSite> _failedOnOneSide = new List<MapSite>();

        /// <summary>
        /// A variable that holds a mapping on the paths of <paramref name="held"/> only (none of this body's on those of
        /// <paramref name="other"/>: never assigned one, or given <c>default</c>), where the mapping was not found failed, while
        /// on the paths of <paramref name="other"/> it was (a loop left by <c>break</c> when its first map fails): a use through
        /// the variable does not ignore that failure. Its binding says so (<see cref="HandleBinding.FailedElsewhere"/>).
        /// </summary>
        private PersistentMap<object, Binding> HeldWhereNotFailed(PersistentMap<object, Binding> bindings, MappingState held, MappingState other)
        {
            var keys = _changedKeys;
            keys.Clear();
            held.Bindings.KeysNotIn(other.Bindings, keys);
            foreach (var key in keys)
            {
                if (other.Bindings.TryGetValue(key, out _) || !held.Bindings.TryGetValue(key, out var value))
                {
                    continue;
                }

                switch (value)
                {
                    case HandleBinding handle when !handle.FailedElsewhere && FailedOnlyIn(handle.Site):
                        bindings = bindings.SetItem(key, new HandleBinding(handle.Site, failedElsewhere: true));
                        _failedElsewhereMade = true;
                        break;
                    case ChoiceBinding choice:
                        ChoiceBinding.Member[]? members = null;
                        for (var i = 0; i < choice.Members.Length; i++)
                        {
                            var member = choice.Members[i];
                            if (!member.FailedElsewhere && FailedOnlyIn(member.Site))
                            {
                                members ??= (ChoiceBinding.Member[])choice.Members.Clone();
                                members[i] = new ChoiceBinding.Member(member.Site, member.Stuck, failedElsewhere: true);
                            }
                        }

                        if (members is not null)
                        {
                            bindings = bindings.SetItem(key, new ChoiceBinding(members, choice.Derived));
                            _failedElsewhereMade = true;
                        }

                        break;
                }
            }

            return bindings;

            bool FailedOnlyIn(MapSite site) => _failedOnOneSide.Contains(site)
                && other.Sites.TryGetValue(site, out var there) && (there.Flags & SiteFlags.Failed) != 0
                && held.Sites.TryGetValue(site, out var here) && (here.Flags & SiteFlags.Failed) == 0;
        }

        /// <summary>The value of a variable holding <paramref name="x"/> on the paths of <paramref name="xs"/> and <paramref name="y"/> on those of <paramref name="ys"/>.</summary>
        [MethodImpl(Jit.Optimized)]
        private Binding JoinBindings(Binding x, MappingState xs, Binding y, MappingState ys)
        {
            if (x.Equals(y))
            {
                return x;
            }

            if (x is ContentsBinding xContents && y is ContentsBinding yContents)
            {
                // A container's elements on either path: any handle stored on either.
                return xContents.Union(yContents);
            }

            if (!Members(x, out var xm, out var xDerived) || !Members(y, out var ym, out var yDerived) || xDerived != yDerived)
            {
                return ConflictBinding.Instance;
            }

            var members = new List<ChoiceBinding.Member>(xm.Length + ym.Length);
            foreach (var member in xm)
            {
                var other = IndexOf(ym, member.Site);
                var failedWhereHeld = FailedWhereHeld(member, xs) || (other >= 0 && FailedWhereHeld(ym[other], ys));
                members.Add(new ChoiceBinding.Member(member.Site, member.Stuck || (other >= 0 ? ym[other].Stuck : Outstanding(ys, member.Site)),
                    !failedWhereHeld && (Failed(xs, member.Site) || Failed(ys, member.Site))));
            }

            foreach (var member in ym)
            {
                if (IndexOf(xm, member.Site) < 0)
                {
                    members.Add(new ChoiceBinding.Member(member.Site, member.Stuck || Outstanding(xs, member.Site),
                        !FailedWhereHeld(member, ys) && (Failed(xs, member.Site) || Failed(ys, member.Site))));
                }
            }

            foreach (var member in members)
            {
                _failedElsewhereMade |= member.FailedElsewhere;
            }

            if (members.Count == 1 && !members[0].Stuck)
            {
                // One mapping on both sides, told apart only by where its failure was found.
                return xDerived ? new DerivedBinding(members[0].Site) : new HandleBinding(members[0].Site, members[0].FailedElsewhere);
            }

            return new ChoiceBinding(members.ToArray(), xDerived);

            // On the paths of state, where the variable holds this member, may its mapping have been found failed?
            static bool FailedWhereHeld(ChoiceBinding.Member member, MappingState state) => !member.FailedElsewhere && Failed(state, member.Site);

            static bool Failed(MappingState state, MapSite site) => state.Sites.TryGetValue(site, out var status) && (status.Flags & SiteFlags.Failed) != 0;
        }

        // Set once a join made a choice member whose failure was found only where the variable held another.
        private bool _failedElsewhereMade;

        /// <summary>A choice member's status as a use through the variable sees it: a failure found only where the variable held another is not its.</summary>
        private static SiteStatus AsUsed(ChoiceBinding.Member member, SiteStatus status) => AsUsed(member.FailedElsewhere, status);

        /// <summary>A handle's status as a use through its variable sees it (see <see cref="HandleBinding.FailedElsewhere"/>).</summary>
        private static SiteStatus AsUsed(HandleBinding handle, SiteStatus status) => AsUsed(handle.FailedElsewhere, status);

        private static SiteStatus AsUsed(bool failedElsewhere, SiteStatus status) =>
            failedElsewhere && (status.Flags & SiteFlags.Failed) != 0 ? status.With(SiteFlags.None, SiteFlags.Failed) : status;

        /// <summary>The mappings a value stands for, as members of a choice.</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool Members(Binding binding, out ChoiceBinding.Member[] members, out bool derived)
        {
            switch (binding)
            {
                case HandleBinding handle:
                    members = new[] { new ChoiceBinding.Member(handle.Site, stuck: false, handle.FailedElsewhere) };
                    derived = false;
                    return true;
                case DerivedBinding number:
                    members = new[] { new ChoiceBinding.Member(number.Site, stuck: false) };
                    derived = true;
                    return true;
                case ChoiceBinding choice:
                    members = choice.Members;
                    derived = choice.Derived;
                    return true;
                default:
                    members = Array.Empty<ChoiceBinding.Member>();
                    derived = false;
                    return false;
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static int IndexOf(ChoiceBinding.Member[] members, MapSite site)
        {
            for (var i = 0; i < members.Length; i++)
            {
                if (members[i].Site == site)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>On these paths, does the mapping still owe something (a release, a check) that a variable not holding it cannot settle?</summary>
        [MethodImpl(Jit.Optimized)]
        private static bool Outstanding(MappingState state, MapSite site) =>
            state.Sites.TryGetValue(site, out var status) && (status.Flags & (SiteFlags.Live | SiteFlags.Unchecked)) != 0;

        /// <summary>
        /// A path leaves a block (see <see cref="FlowAnalysis{TState}.LeaveBlock"/>): its locals' values and constants
        /// are dropped, and so are the sites made in it that owe nothing (released on every path, checked, the device
        /// given no access) and that no value changed in the block holds (no later operation can name them: a value
        /// unchanged since the block's start holds no site made in it). What is left is usually the state the block
        /// was entered with: then that state itself, so that nested blocks cost what each one changes. Not while a
        /// callee is summarised (its exits read every site).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public override MappingState LeaveBlock(IBlockOperation block, MappingState entry, MappingState state)
        {
            if (_recording is not null || ReferenceEquals(state, entry) || state.IsDead)
            {
                return state;
            }

            var bindings = state.Bindings;
            var constants = state.Constants;
            foreach (var local in block.Locals)
            {
                bindings = bindings.Remove(local);
                constants = constants.Remove(local);
            }

            var sites = state.Sites;
            var changed = _leftBehind;
            changed.Clear();
            sites.KeysNotIn(entry.Sites, changed);
            List<MapSite>? settled = null;
            foreach (var site in changed)
            {
                if (!entry.Sites.TryGetValue(site, out _) && sites.TryGetValue(site, out var status)
                    && (status.Flags & SiteFlags.Released) != 0 && (status.Flags & Unsettled) == 0)
                {
                    (settled ??= new List<MapSite>()).Add(site);
                }
            }

            if (settled is not null)
            {
                var held = _changedKeys;
                held.Clear();
                bindings.KeysNotIn(entry.Bindings, held);
                foreach (var site in settled)
                {
                    var mentioned = false;
                    foreach (var key in held)
                    {
                        if (bindings.TryGetValue(key, out var value) && Mentions(value, site))
                        {
                            mentioned = true;
                            break;
                        }
                    }

                    if (!mentioned)
                    {
                        sites = sites.Remove(site);
                    }
                }
            }

            var left = ReferenceEquals(bindings, state.Bindings) && ReferenceEquals(sites, state.Sites) && ReferenceEquals(constants, state.Constants)
                ? state
                : new MappingState(bindings, sites, constants);
            return Same(left, entry) ? entry : left;
        }

        // What a site may still be or need after a block for it to be dropped there: any of these keeps it.
        private const SiteFlags Unsettled = SiteFlags.Live | SiteFlags.Unchecked | SiteFlags.NotReleased | SiteFlags.DeviceAccess | SiteFlags.ListPosted;

        // Lists reused by each LeaveBlock.
        private readonly List<MapSite> _leftBehind = new List<MapSite>();
        private readonly List<object> _changedKeys = new List<object>();

        [MethodImpl(Jit.Optimized)]
        public override bool Same(MappingState a, MappingState b) =>
            ReferenceEquals(a, b) || (a.IsDead == b.IsDead && a.Bindings.SameAs(b.Bindings) && a.Sites.SameAs(b.Sites) && a.Constants.SameAs(b.Constants));

        /// <summary>
        /// The DMA API reports failure by value (a mapping error, a count of 0), never by exception: its
        /// calls are taken not to throw, nor are reads of fields, properties and array elements. Any
        /// other call, an object creation, an await or a throw may reach a catch handler.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public override bool? MayThrow(IOperation operation)
        {
            foreach (var node in operation.DescendantsAndSelf())
            {
                switch (node)
                {
                    case IInvocationOperation invocation when (_symbols.RolesOf(invocation.TargetMethod) & DmaApiRoles) == 0:
                    case IObjectCreationOperation _:
                    case IThrowOperation _:
                    case IAwaitOperation _:
                    case IDynamicInvocationOperation _:
                    case IDynamicMemberReferenceOperation _:
                        return true;
                }
            }

            return false;
        }

        /// <summary>
        /// A call of the driver's own code that throws has been given its arguments: a handle passed to
        /// it is the callee's from the call on, on its exception path too, as on its normal path. Otherwise
        /// a handler would be told of a leak for every handle given to a call inside its try. A library
        /// method is only given the number (taken for a hand-over on the normal path, the benefit of the
        /// doubt): when it throws, the mapping is still this body's.
        /// </summary>
        public override MappingState AtThrow(IOperation operation, MappingState before)
        {
            if (before.IsDead)
            {
                return before;
            }

            var state = before;
            foreach (var node in operation.DescendantsAndSelf())
            {
                var arguments = node switch
                {
                    IInvocationOperation invocation when InCompilation(invocation.TargetMethod) => invocation.Arguments,
                    IObjectCreationOperation creation when creation.Constructor is { } constructor && InCompilation(constructor) => creation.Arguments,
                    _ => default,
                };
                if (arguments.IsDefaultOrEmpty)
                {
                    continue;
                }

                foreach (var argument in arguments)
                {
                    if (argument.Parameter is { } parameter && parameter.RefKind != RefKind.Out && Given(argument.Value, state) is { } given)
                    {
                        Transfer(given, ref state);
                    }
                }
            }

            return state;
        }

        /// <summary>What an argument holds, read without evaluating anything: a variable's or an element's handle, or a number derived from one (<c>a.Value</c>).</summary>
        private Binding? Given(IOperation argument, MappingState state)
        {
            var value = Keys.Unwrap(argument);
            if (value is IMemberReferenceOperation member && member.Instance is { } instance && _symbols.IsBusAddressType(member.Member.ContainingType))
            {
                return Derived(Given(instance, state));
            }

            var key = KeyOf(NullableValue(value) ?? value);
            return key is not null ? state.Bindings.TryGetValue(Alias(key), out var bound) ? bound : null : ElementRead(value, state);
        }

        private const DmaRole DmaApiRoles = DmaRole.Map | DmaRole.CoherentAlloc | DmaRole.Unmap | DmaRole.CoherentFree
            | DmaRole.SyncForCpu | DmaRole.SyncForDevice | DmaRole.MappingErrorCheck | DmaRole.FailsByValue;

        [MethodImpl(Jit.Optimized)]
        public override MappingState Visit(IOperation operation, MappingState state, bool report)
        {
            if (state.IsDead)
            {
                return state;
            }

            _reporting = report;
            Eval(operation, ref state);
            return state;
        }

        /// <summary>
        /// A switch's case comparisons (<c>value == constant</c>) split nothing unless the value is bound
        /// to something followed here: a null test or a count check needs a handle, a count or a check.
        /// Unbound and not a constant, its capture by the graph leaves the state as it is.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public override MappingState SwitchValue(IOperation value, MappingState state, bool report, out bool tested)
        {
            if (state.IsDead)
            {
                tested = false;
                return state;
            }

            _reporting = report;
            // (A constant the body computes, i & 3, is not followed into the case comparisons: the branches do not split on it.)
            tested = Eval(value, ref state) is not null || ConstantOf(value, state, fold: false) is not null;
            return state;
        }

        /// <summary>
        /// The tree walk follows a <c>foreach</c> whose enumerator is a library's, with no role (see <see cref="FollowedEnumerator"/>):
        /// the graph's calls of it then change nothing this analysis follows but the collection's evaluation, and the
        /// iteration variable holds none of this body's mappings (a fresh value, each pass).
        /// </summary>
        public override bool FollowsForEach => true;

        /// <summary>
        /// <c>collection.GetEnumerator()</c>, as <see cref="Invocation"/> runs a library call without a role or
        /// arguments: the instance is evaluated, and a call that can reach what this body keeps in the collection's
        /// members hands it over. A collection that may be a sequence made as it is read (its elements are mapped
        /// as they are enumerated) is not followed here, nor is an enumerator <see cref="FollowedEnumerator"/> declines.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        public override MappingState? ForEachStart(IForEachLoopOperation loop, MappingState state, bool report)
        {
            if (!(FollowedEnumerator(loop) is { } getEnumerator))
            {
                return null;
            }

            if (state.IsDead)
            {
                return state;
            }

            _reporting = report;
            if (MayBeLazy(loop.Collection, state, depth: 0))
            {
                return null;
            }

            Eval(loop.Collection, ref state);
            ReachedByCall(getEnumerator, loop.Collection, ImmutableArray<IArgumentOperation>.Empty, ref state);

            // The capture of the enumerator holds nothing followed here (a library call gives nothing back), so
            // MoveNext(), Current and Dispose() on it, calls without a role, change nothing (see the hooks below).
            return state;
        }

        /// <summary>MoveNext() on an enumerator holding nothing followed here: no check, no null test, nothing handed over.</summary>
        public override void ForEachNext(IForEachLoopOperation loop, MappingState state, bool report, out MappingState whenTrue, out MappingState whenFalse)
        {
            whenTrue = state;
            whenFalse = state;
        }

        /// <summary>The iteration variable given Current (of an enumerator holding nothing followed here): it holds no mapping of this body.</summary>
        [MethodImpl(Jit.Optimized)]
        public override MappingState ForEachElement(IForEachLoopOperation loop, MappingState state, bool report)
        {
            if (state.IsDead)
            {
                return state;
            }

            _reporting = report;
            var variable = ((IVariableDeclaratorOperation)loop.LoopControlVariable).Symbol;
            return Bind(state, Alias(variable), null, null);
        }

        /// <summary>
        /// The method that gives a <c>foreach</c> its enumerator, when the walk follows the loop: <c>GetEnumerator</c>,
        /// <c>MoveNext</c>, <c>Current</c> and <c>Dispose</c> (if any) are all members of other assemblies with no
        /// DMA role, none returns by reference, none is an extension, and none stores or reads an element as a container's
        /// member does (<see cref="Containers"/>): then <see cref="Invocation"/> takes each as a plain library call (and
        /// <c>Dispose()</c>, where the enumerator is a container, as a store of nothing). Null otherwise.
        /// </summary>
        private IMethodSymbol? FollowedEnumerator(IForEachLoopOperation loop)
        {
            if (_enumerators.TryGetValue(loop, out var known))
            {
                return known;
            }

            IMethodSymbol? followed = null;
            if (loop.SemanticModel is { } model && loop.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.CommonForEachStatementSyntax syntax
                && Microsoft.CodeAnalysis.CSharp.CSharpExtensions.GetForEachStatementInfo(model, syntax) is var info
                && !info.IsAsynchronous && info.GetEnumeratorMethod is { } getEnumerator && info.MoveNextMethod is { } moveNext
                && info.CurrentProperty is { GetMethod: { } current } && !_symbols.IsBusAddressType(getEnumerator.ReturnType)
                && Plain(getEnumerator) && Plain(moveNext) && Plain(current) && (info.DisposeMethod is null || Plain(info.DisposeMethod))
                && !Containers.ReadsElement(getEnumerator) && !Containers.Stores(getEnumerator)
                && !Containers.ReadsElement(moveNext) && !Containers.Stores(moveNext))
            {
                followed = getEnumerator;
            }

            _enumerators[loop] = followed;
            return followed;

            bool Plain(IMethodSymbol method) =>
                !InCompilation(method) && !method.IsExtensionMethod && !method.ReturnsByRef && !method.ReturnsByRefReadonly
                && _symbols.RolesOf(method) == DmaRole.None
                && (method.AssociatedSymbol is null || _symbols.RolesOf(method.AssociatedSymbol) == DmaRole.None);
        }

        private readonly Dictionary<IOperation, IMethodSymbol?> _enumerators = new Dictionary<IOperation, IMethodSymbol?>();

        [MethodImpl(Jit.Optimized)]
        public override MappingState Returned(IOperation value, MappingState state, bool report)
        {
            if (state.IsDead)
            {
                return state;
            }

            _reporting = report;
            if (_recording is not null && Keys.Unwrap(value) is ITupleOperation tuple)
            {
                // A helper returning a tuple literal: what each element gives is summarised by position.
                var elements = new Binding?[tuple.Elements.Length];
                for (var i = 0; i < elements.Length; i++)
                {
                    elements[i] = Eval(tuple.Elements[i], ref state);
                }

                if (report)
                {
                    _recording.ReturnedTuple(elements, state);
                    _recording.Returned(null, state);
                }

                foreach (var element in elements)
                {
                    Transfer(element, ref state);
                }

                return state;
            }

            var binding = Eval(value, ref state);
            if (report)
            {
                _recording?.Returned(binding, state);
            }

            Transfer(binding, ref state);
            return state;
        }

        [MethodImpl(Jit.Optimized)]
        public override void Split(IOperation condition, MappingState state, out MappingState whenTrue, out MappingState whenFalse)
        {
            whenTrue = state;
            whenFalse = state;
            if (state.IsDead)
            {
                return;
            }

            if (Decided(condition, state) is bool known)
            {
                // A condition constants decide (a flag set on every path, a length known): the other branch is no path.
                if (known)
                {
                    whenFalse = MappingState.Dead;
                }
                else
                {
                    whenTrue = MappingState.Dead;
                }

                return;
            }

            if (NullTest(condition, state, out var nullWhenTrue) is { } heldSites)
            {
                // A nullable handle found null holds no mapping on that branch: whatever it may hold
                // elsewhere was not made (or was dropped) on the paths that reach it.
                var whenNull = state;
                foreach (var site in heldSites)
                {
                    whenNull = Update(whenNull, site, SiteFlags.None, SiteFlags.Live | SiteFlags.Unchecked | SiteFlags.DeviceAccess);
                }

                if (nullWhenTrue)
                {
                    whenTrue = whenNull;
                }
                else
                {
                    whenFalse = whenNull;
                }

                return;
            }

            if (!(Condition(condition, state) is { } check))
            {
                return;
            }

            if (_recording is not null)
            {
                _recording.Touched(check.Site);
                foreach (var other in check.Others)
                {
                    _recording.Touched(other);
                }
            }

            var failed = FoundGood(check, state) ? NoPath(state) : Update(state, check.Site, SiteFlags.Failed, SiteFlags.Unchecked | SiteFlags.Live | SiteFlags.DeviceAccess);
            var succeeded = Update(state, check.Site, SiteFlags.None, SiteFlags.Unchecked | SiteFlags.Failed);
            foreach (var other in check.Others)
            {
                failed = Update(failed, other, SiteFlags.Failed, SiteFlags.Unchecked | SiteFlags.Live | SiteFlags.DeviceAccess);
                succeeded = Update(succeeded, other, SiteFlags.None, SiteFlags.Unchecked | SiteFlags.Failed);
            }

            if (_failedElsewhereMade)
            {
                failed = FailedHere(failed, check);
            }

            whenTrue = check.Negated ? succeeded : failed;
            whenFalse = check.Negated ? failed : succeeded;
        }

        /// <summary>
        /// The branch where <paramref name="check"/> found its mappings failed: a choice that may hold one of them holds a
        /// failed mapping here, whatever its member said of the paths it came from (<see cref="ChoiceBinding.Member.FailedElsewhere"/>).
        /// </summary>
        private static MappingState FailedHere(MappingState state, CheckBinding check)
        {
            if (state.IsDead)
            {
                return state;
            }

            List<KeyValuePair<object, Binding>>? changed = null;
            foreach (var binding in state.Bindings)
            {
                if (binding.Value is HandleBinding handle && handle.FailedElsewhere && (handle.Site == check.Site || Array.IndexOf(check.Others, handle.Site) >= 0))
                {
                    (changed ??= new List<KeyValuePair<object, Binding>>()).Add(new KeyValuePair<object, Binding>(binding.Key, new HandleBinding(handle.Site)));
                    continue;
                }

                if (!(binding.Value is ChoiceBinding choice))
                {
                    continue;
                }

                ChoiceBinding.Member[]? members = null;
                for (var i = 0; i < choice.Members.Length; i++)
                {
                    var member = choice.Members[i];
                    if (member.FailedElsewhere && (member.Site == check.Site || Array.IndexOf(check.Others, member.Site) >= 0))
                    {
                        members ??= (ChoiceBinding.Member[])choice.Members.Clone();
                        members[i] = new ChoiceBinding.Member(member.Site, member.Stuck);
                    }
                }

                if (members is not null)
                {
                    (changed ??= new List<KeyValuePair<object, Binding>>()).Add(new KeyValuePair<object, Binding>(binding.Key, new ChoiceBinding(members, choice.Derived)));
                }
            }

            if (changed is null)
            {
                return state;
            }

            var bindings = state.Bindings;
            foreach (var pair in changed)
            {
                bindings = bindings.SetItem(pair.Key, pair.Value);
            }

            return state.WithBindings(bindings);
        }

        /// <summary>
        /// Every mapping the test names was already found good on every path reaching it (checked, and
        /// no failure let through): the same handle cannot fail now, so the failure branch is no path.
        /// </summary>
        private static bool FoundGood(CheckBinding check, MappingState state)
        {
            if (!Good(check.Site))
            {
                return false;
            }

            foreach (var other in check.Others)
            {
                if (!Good(other))
                {
                    return false;
                }
            }

            return true;

            bool Good(MapSite site) => site.Kind == MappingKind.Streaming && state.Sites.TryGetValue(site, out var status)
                && (status.Flags & (SiteFlags.Unchecked | SiteFlags.Failed)) == 0;
        }

        /// <summary>The state of a branch no execution takes: nothing on it is owed (no leak is reported at its exits).</summary>
        private static MappingState NoPath(MappingState state)
        {
            foreach (var entry in state.Sites)
            {
                if ((entry.Value.Flags & MappingState.OwingFlags) != 0)
                {
                    state = Update(state, entry.Key, SiteFlags.None, SiteFlags.Live);
                }
            }

            return state;
        }

        [MethodImpl(Jit.Optimized)]
        public override void AtExit(MappingState state, ExitKind kind, IOperation? exitOperation)
        {
            if (state.IsDead)
            {
                return;
            }

            // Exits are only visited by the reporting pass. Each leak is reported once the run is
            // complete, naming an exit its path takes after the map when there is one: an exit above
            // the map is reached only on a later pass of a loop. Only the sites whose status changed since
            // the last settled exit (below) are visited, and of those only the ones that still owe.
            if (kind == ExitKind.Return)
            {
                _recording?.Exit(state);
            }

            ExitsNamedByValue &= exitOperation is not null && !(exitOperation is IReturnOperation);
            if (_posted.Count > 0)
            {
                PostedAtExit(state, kind, exitOperation);
            }

            if (_partialUnwinds.Count > 0)
            {
                UnwindAtExit(state, kind, exitOperation);
            }

            // A site whose leak has been given an exit after its map is settled: no later exit changes
            // it. The site statuses of an exit where every owing site was settled are kept, and a later
            // exit visits only the statuses its own state holds beyond those (the two share the rest), so
            // that N early returns past N live mappings cost N, not N².
            var changedHere = _changedHere;
            changedHere.Clear();
            state.Sites.KeysNotIn(_settledSites, changedHere);
            var allSettled = true;
            foreach (var site in changedHere)
            {
                if (!state.Sites.TryGetValue(site, out var status) || (status.Flags & MappingState.OwingFlags) == 0)
                {
                    // Owes nothing here: no leak, and nothing a later exit must see again (a change of its status is seen).
                    continue;
                }

                if ((status.Flags & SiteFlags.Live) == 0 || (status.Flags & SiteFlags.ListPosted) != 0)
                {
                    // A caller's list whose addresses the device was given on some path here: its completion releases it.
                    allSettled = false;
                    continue;
                }

                var before = exitOperation is not null && exitOperation.Syntax.SyntaxTree == site.Call.Syntax.SyntaxTree
                    && exitOperation.Syntax.SpanStart < site.Call.Syntax.Span.End;
                if (_leaks.TryGetValue(site, out var index))
                {
                    if (_leakExits[index].Before && !before)
                    {
                        _leakExits[index] = new LeakExit(site, kind, exitOperation, before);
                    }

                    allSettled &= !_leakExits[index].Before;
                    continue;
                }

                _leaks[site] = _leakExits.Count;
                _leakExits.Add(new LeakExit(site, kind, exitOperation, before));
                allSettled &= !before;
            }

            if (allSettled)
            {
                _settledSites = state.Sites;
            }
        }

        // The site statuses of an exit where every owing site is settled (see AtExit), and a list reused by each exit.
        private PersistentMap<MapSite, SiteStatus> _settledSites = PersistentMap<MapSite, SiteStatus>.Empty;
        private readonly List<MapSite> _changedHere = new List<MapSite>();

        public override void Completed()
        {
            _reporting = true;
            foreach (var (site, sync) in _syncsForCpuOfToDevice)
            {
                if (!_writtenToDevice.Contains(site))
                {
                    // The device never writes a ToDevice buffer, and this body's CPU does not either.
                    Report(Diagnostic.Create(Descriptors.DMA004, sync.Syntax.GetLocation(), DiagnosticSeverity.Info,
                        new[] { site.Call.Syntax.GetLocation() }, null,
                        $"{sync.TargetMethod.Name} on a ToDevice mapping is legal but pointless: neither the device nor the CPU writes the buffer"));
                }
            }

            foreach (var posted in _postedAtThrow)
            {
                // Posted, then taken back by this body before every return: a throw in between leaves it mapped.
                if (_takenBack.Contains(posted.Key) && !_leftPosted.Contains(posted.Key) && !_leaks.ContainsKey(posted.Key))
                {
                    _leaks[posted.Key] = _leakExits.Count;
                    _leakExits.Add(new LeakExit(posted.Key, ExitKind.Throw, posted.Value, before: false));
                }
            }

            foreach (var unwound in _unwindExits)
            {
                // A partial unwind on a failure exit of the map's loop: the earlier passes' mappings it did not release leak.
                if (!_loopUnwinds.Contains(unwound.Key) && !_releasedOnItsPass.Contains(unwound.Key) && !_leaks.ContainsKey(unwound.Key))
                {
                    _leaks[unwound.Key] = _leakExits.Count;
                    _leakExits.Add(new LeakExit(unwound.Key, unwound.Value.Kind, unwound.Value.Exit, before: true));
                    _earlierPasses.Add(unwound.Key);
                }
            }

            // In source order: the state's maps enumerate in no particular order.
            _leakExits.Sort((x, y) => x.Site.Call.Syntax.SpanStart.CompareTo(y.Site.Call.Syntax.SpanStart));
            foreach (var leak in _leakExits)
            {
                var site = leak.Site;
                string line;
                Location? exitLocation;
                if (site.IsEarlierPasses)
                {
                    if (_leaks.ContainsKey(site.Origin))
                    {
                        // The map's own mapping leaks too: one report for the map.
                        continue;
                    }

                    // An earlier pass's mapping, lost where the last variable holding it was given another value.
                    if (_overwrites.TryGetValue(site, out var overwrite))
                    {
                        line = "line " + Keys.Line(overwrite).ToString(System.Globalization.CultureInfo.InvariantCulture) + ", where a later pass of the loop overwrites it";
                        Report(Diagnostic.Create(Descriptors.DMA002, site.Call.Syntax.GetLocation(), new[] { overwrite.Syntax.GetLocation() },
                            EarlierPassesProperties, site.Describe(), line));
                        continue;
                    }
                }

                var exitOperation = leak.Exit;
                line = exitOperation is null ? "the end of the method" : "line " + Keys.Line(exitOperation).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + (leak.Kind == ExitKind.Throw ? " (throw)" : string.Empty)
                    + (leak.Before ? " on a later pass of the loop" : string.Empty);
                exitLocation = exitOperation?.Syntax.GetLocation();
                Report(Diagnostic.Create(Descriptors.DMA002, site.Call.Syntax.GetLocation(),
                    exitLocation is null ? Array.Empty<Location>() : new[] { exitLocation },
                    _earlierPasses.Contains(site) || site.IsEarlierPasses ? EarlierPassesProperties : null, site.Describe(), line));
            }
        }

        /// <summary>
        /// Every exit the run visited is a <c>return</c> of a value or a <c>throw</c>, which the graph names by the same
        /// operation (its exit block's branch value) and reaches in its own block. A <c>return;</c> and the end of a
        /// method are exits the graph names by the last operation of the block before them, which the tree walk does
        /// not know, and reaches from that block, before the blocks that follow it in the source.
        /// </summary>
        public bool ExitsNamedByValue { get; private set; } = true;

        /// <summary>The exit a leaking path takes, and whether it lies above the map (a later pass of a loop).</summary>
        private readonly struct LeakExit
        {
            public LeakExit(MapSite site, ExitKind kind, IOperation? exit, bool before)
            {
                Site = site;
                Kind = kind;
                Exit = exit;
                Before = before;
            }

            public MapSite Site { get; }

            public ExitKind Kind { get; }

            public IOperation? Exit { get; }

            public bool Before { get; }
        }

        /// <summary>
        /// The mappings a nullable handle tested for null may hold (<c>x is null</c>, <c>x == null</c>,
        /// <c>x.HasValue</c>, the graph's test of <c>??</c>), and on which branch it is null; null when the
        /// condition is no such test (pure: no state change).
        /// </summary>
        private List<MapSite>? NullTest(IOperation condition, MappingState state, out bool nullWhenTrue)
        {
            nullWhenTrue = true;
            IOperation? tested;
            switch (condition)
            {
                case IConversionOperation conversion when conversion.IsImplicit:
                    return NullTest(conversion.Operand, state, out nullWhenTrue);
                case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not:
                    {
                        var inner = NullTest(unary.Operand, state, out var innerNull);
                        nullWhenTrue = !innerNull;
                        return inner;
                    }

                case IIsNullOperation isNull:
                    tested = isNull.Operand;
                    break;
                case IPropertyReferenceOperation property when property.Property.Name == "HasValue" && IsNullable(property.Property.ContainingType):
                    tested = property.Instance;
                    nullWhenTrue = false;
                    break;
                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.Equals || binary.OperatorKind == BinaryOperatorKind.NotEquals:
                    tested = IsNullConstant(binary.RightOperand) ? binary.LeftOperand : IsNullConstant(binary.LeftOperand) ? binary.RightOperand : null;
                    nullWhenTrue = binary.OperatorKind == BinaryOperatorKind.Equals;
                    break;
                case IIsPatternOperation pattern when pattern.Pattern is IConstantPatternOperation constant && IsNullConstant(constant.Value):
                    tested = pattern.Value;
                    break;
                case IIsPatternOperation pattern when pattern.Pattern is INegatedPatternOperation { Pattern: IConstantPatternOperation constant } && IsNullConstant(constant.Value):
                    tested = pattern.Value;
                    nullWhenTrue = false;
                    break;
                default:
                    return null;
            }

            tested = tested is null ? null : Keys.Unwrap(tested);
            // A nullable handle compared with null, or a bus address with default (which no mapping gives: DMA008 calls it forged).
            if (tested is null || !(IsNullable(tested.Type as INamedTypeSymbol) || (tested.Type is { } type && _symbols.IsBusAddressType(type)))
                || !(KeyOf(tested) is { } key) || !state.Bindings.TryGetValue(Alias(key), out var held))
            {
                return null;
            }

            switch (held)
            {
                case HandleBinding handle:
                    return new List<MapSite> { handle.Site };
                case ChoiceBinding choice when !choice.Derived:
                    var sites = new List<MapSite>();
                    foreach (var member in choice.Members)
                    {
                        if (!member.Stuck)
                        {
                            sites.Add(member.Site);
                        }
                    }

                    return sites;
                default:
                    return null;
            }
        }

        private static bool IsNullConstant(IOperation operation) =>
            Keys.Unwrap(operation) is { ConstantValue: { HasValue: true, Value: null } } || Keys.Unwrap(operation) is IDefaultValueOperation;

        /// <summary>The mapping-error check a branch condition tests, if any (pure: no state change).</summary>
        [MethodImpl(Jit.Optimized)]
        private CheckBinding? Condition(IOperation condition, MappingState state)
        {
            switch (condition)
            {
                case IConversionOperation conversion when conversion.IsImplicit:
                    return Condition(conversion.Operand, state);
                case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not:
                    return Condition(unary.Operand, state) is { } inner ? inner.WithNegated(!inner.Negated) : null;
                case IInvocationOperation invocation when (_symbols.RolesOf(invocation.TargetMethod) & DmaRole.MappingErrorCheck) != 0:
                    return CheckOf(HandleArgument(invocation, state, out _));
                case IInvocationOperation invocation when CheckReturnedBy(invocation, state) is { } returned:
                    // if (Failed(m)) with bool Failed(DmaAddr a) => dma.MappingError(a): the helper's return is the check.
                    return returned;
                case IBinaryOperation binary:
                    return CountCheck(binary, state);
                case IIsPatternOperation isPattern when isPattern.Pattern is IConstantPatternOperation constant && constant.Value.ConstantValue.Value is bool expected:
                    // MappingError(a) is true / is false
                    return Condition(isPattern.Value, state) is { } tested ? tested.WithNegated(tested.Negated ^ !expected) : null;
                default:
                    var key = KeyOf(condition);
                    return key is not null && state.Bindings.TryGetValue(key, out var binding) ? binding as CheckBinding : null;
            }
        }

        /// <summary>
        /// The check a call of the compilation's own check helper gives back (its summary returns the mapping-error
        /// check of one parameter on every path), of the handle given there; null for any other call (pure).
        /// </summary>
        private CheckBinding? CheckReturnedBy(IInvocationOperation invocation, MappingState state)
        {
            var method = invocation.TargetMethod;
            if (_summaries is null || !InCompilation(method))
            {
                return null;
            }

            var binding = HandleArgument(invocation, state, out var handle);
            if (!(handle?.Parameter is { } parameter) || !_symbols.IsBusAddressType(parameter.Type)
                || !(_summaries.Of(method, _search) is { ReturnsCheckOf: >= 0 } summary) || parameter.Ordinal != summary.ReturnsCheckOf)
            {
                return null;
            }

            return CheckOf(binding) is { } check ? check.WithNegated(check.Negated ^ summary.CheckNegated) : null;
        }

        /// <summary>The mapping-error check of a handle: of its mapping, or of each mapping a choice may hold (not those it is stuck on).</summary>
        [MethodImpl(Jit.Optimized)]
        private static CheckBinding? CheckOf(Binding? handle)
        {
            switch (handle)
            {
                case HandleBinding single:
                    return new CheckBinding(single.Site, negated: false);
                case ChoiceBinding choice when !choice.Derived:
                    MapSite? first = null;
                    List<MapSite>? others = null;
                    foreach (var member in choice.Members)
                    {
                        if (member.Stuck || member.Site.Kind != MappingKind.Streaming)
                        {
                            continue;
                        }

                        if (first is null)
                        {
                            first = member.Site;
                        }
                        else
                        {
                            (others ??= new List<MapSite>()).Add(member.Site);
                        }
                    }

                    return first is null ? null : new CheckBinding(first, negated: false, others?.ToArray());
                case ContentsBinding contents:
                    // A check of an element read from a container counts for every handle stored in it.
                    MapSite? head = null;
                    List<MapSite>? rest = null;
                    foreach (var site in contents.Sites)
                    {
                        if (site.Kind != MappingKind.Streaming)
                        {
                            continue;
                        }

                        if (head is null)
                        {
                            head = site;
                        }
                        else
                        {
                            (rest ??= new List<MapSite>()).Add(site);
                        }
                    }

                    return head is null ? null : new CheckBinding(head, negated: false, rest?.ToArray());
                default:
                    return null;
            }
        }

        /// <summary>A comparison of a scatter-gather map's count with 0: == 0, &lt;= 0, &lt; 1 mean failure.</summary>
        [MethodImpl(Jit.Optimized)]
        private CheckBinding? CountCheck(IBinaryOperation binary, MappingState state)
        {
            var left = CountOf(binary.LeftOperand, state);
            var right = CountOf(binary.RightOperand, state);
            var count = left ?? right;
            var other = left is not null ? binary.RightOperand : binary.LeftOperand;
            if (count is null || !(ConstantOf(other, state) is long constant))
            {
                return null;
            }

            var kind = binary.OperatorKind;
            if (left is null)
            {
                // 0 == n, 0 < n ...: mirror the comparison.
                kind = kind switch
                {
                    BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
                    BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
                    BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
                    BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
                    _ => kind,
                };
            }

            bool? failsWhenTrue = (kind, constant) switch
            {
                (BinaryOperatorKind.Equals, 0) => true,
                (BinaryOperatorKind.LessThanOrEqual, 0) => true,
                (BinaryOperatorKind.LessThan, 1) => true,
                (BinaryOperatorKind.NotEquals, 0) => false,
                (BinaryOperatorKind.GreaterThan, 0) => false,
                (BinaryOperatorKind.GreaterThanOrEqual, 1) => false,
                _ => null,
            };
            return failsWhenTrue is null ? null : new CheckBinding(count.Site, negated: failsWhenTrue == false);
        }

        [MethodImpl(Jit.Optimized)]
        private CountBinding? CountOf(IOperation operation, MappingState state)
        {
            operation = Keys.Unwrap(operation);
            if (_sites.TryGetValue(operation, out var site) && site.Kind == MappingKind.ScatterGather)
            {
                return new CountBinding(site);
            }

            var key = KeyOf(operation);
            return key is not null && state.Bindings.TryGetValue(key, out var binding) ? binding as CountBinding : null;
        }

        [MethodImpl(Jit.Optimized)]
        private static long? ConstantOf(IOperation operation, MappingState state, bool fold = true)
        {
            var constant = operation.ConstantValue;
            if (constant.HasValue)
            {
                // Integers and enum values (an enum constant is its underlying integer); a ulong above
                // long.MaxValue, a float or a string is not a length or a direction.
                return constant.Value switch
                {
                    int i => i,
                    long l => l,
                    uint u => u,
                    ulong ul when ul <= long.MaxValue => (long)ul,
                    short sh => sh,
                    ushort us => us,
                    byte b => b,
                    sbyte sb => sb,
                    char c => c,
                    bool flag => flag ? 1 : 0,
                    _ => null,
                };
            }

            if (fold && operation is IBinaryOperation binary && binary.OperatorMethod is null && IsFoldedType(binary.Type)
                && ConstantOf(binary.LeftOperand, state) is long left && ConstantOf(binary.RightOperand, state) is long right)
            {
                // frame - 4, hdr + payload: arithmetic of known constants is a known constant.
                return Fold(binary.OperatorKind, left, right, binary.Type!);
            }

            var key = Keys.Of(operation) ?? ValueMemberOf(operation);
            return key is not null && state.Constants.TryGetValue(key, out var value) ? value : (long?)null;
        }

        /// <summary>
        /// A member of a struct local of the body (<c>t.Len</c> of a tuple, a record struct, a <c>with</c> copy): it changes only
        /// where the body assigns it or the whole local, so a known integer it was given is still what it holds.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static SlotKey? ValueMemberOf(IOperation operation) =>
            operation is IMemberReferenceOperation && Keys.SlotOf(operation) is { Owner: ILocalSymbol { IsRef: false, Type.IsValueType: true } } slot ? slot : null;

        /// <summary>The integer types whose arithmetic is folded (in range, or not at all).</summary>
        private static bool IsFoldedType(ITypeSymbol? type) =>
            type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_UInt32;

        /// <summary>
        /// <paramref name="left"/> op <paramref name="right"/> in <paramref name="type"/>, when the operator is arithmetic or
        /// bitwise and the result is in the type's range (a wrap, a division by zero or a shift out of range is not folded).
        /// </summary>
        private static long? Fold(BinaryOperatorKind kind, long left, long right, ITypeSymbol type)
        {
            long result;
            try
            {
                result = kind switch
                {
                    BinaryOperatorKind.Add => checked(left + right),
                    BinaryOperatorKind.Subtract => checked(left - right),
                    BinaryOperatorKind.Multiply => checked(left * right),
                    BinaryOperatorKind.Divide when right != 0 => left / right,
                    BinaryOperatorKind.Remainder when right != 0 => left % right,
                    BinaryOperatorKind.And => left & right,
                    BinaryOperatorKind.Or => left | right,
                    BinaryOperatorKind.ExclusiveOr => left ^ right,
                    BinaryOperatorKind.LeftShift when right >= 0 && right < 32 => checked(left * (1L << (int)right)),
                    BinaryOperatorKind.RightShift when right >= 0 && right < 63 => left >> (int)right,
                    _ => throw new System.OverflowException(),
                };
            }
            catch (System.OverflowException)
            {
                return null;
            }

            return type.SpecialType switch
            {
                SpecialType.System_Int32 when result >= int.MinValue && result <= int.MaxValue => result,
                SpecialType.System_UInt32 when result >= 0 && result <= uint.MaxValue => result,
                SpecialType.System_Int64 => result,
                _ => null,
            };
        }

        /// <summary>
        /// The value of a branch condition when constants decide it: a <c>bool</c> constant, a local of this body
        /// known to hold one, <c>!</c> of such, or a comparison of two known integers (<c>unmapLen != 0</c>). Only
        /// locals whose every write the analysis sees count (<see cref="IsPlainLocal"/>); a field, a parameter or
        /// a local a lambda may write is never known here. Null when the condition is not decided.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private bool? Decided(IOperation condition, MappingState state)
        {
            if (state.Constants.Count == 0 && !condition.ConstantValue.HasValue)
            {
                return null;
            }

            switch (condition)
            {
                case { ConstantValue: { HasValue: true, Value: bool constant } }:
                    return constant;
                case IConversionOperation conversion when conversion.IsImplicit:
                    return Decided(conversion.Operand, state);
                case IUnaryOperation unary when unary.OperatorKind == UnaryOperatorKind.Not:
                    return Decided(unary.Operand, state) is bool inner ? !inner : (bool?)null;
                case ILocalReferenceOperation local when local.Type?.SpecialType == SpecialType.System_Boolean:
                    return KnownLocal(local, state) is long flag ? flag != 0 : (bool?)null;
                case IBinaryOperation binary when binary.OperatorMethod is null:
                    {
                        if (!(Known(binary.LeftOperand, state) is long left) || !(Known(binary.RightOperand, state) is long right))
                        {
                            return null;
                        }

                        return binary.OperatorKind switch
                        {
                            BinaryOperatorKind.Equals => left == right,
                            BinaryOperatorKind.NotEquals => left != right,
                            BinaryOperatorKind.LessThan => left < right,
                            BinaryOperatorKind.LessThanOrEqual => left <= right,
                            BinaryOperatorKind.GreaterThan => left > right,
                            BinaryOperatorKind.GreaterThanOrEqual => left >= right,
                            _ => (bool?)null,
                        };
                    }

                default:
                    return null;
            }

            long? Known(IOperation operand, MappingState at)
            {
                operand = Keys.Unwrap(operand);
                if (operand.ConstantValue.HasValue)
                {
                    return ConstantOf(operand, at);
                }

                return operand is ILocalReferenceOperation reference && !(reference.Type is { TypeKind: TypeKind.Enum }) ? KnownLocal(reference, at) : null;
            }
        }

        /// <summary>What a plain local of this body holds when it is one constant on every path reaching <paramref name="state"/>.</summary>
        private long? KnownLocal(ILocalReferenceOperation reference, MappingState state) =>
            state.Constants.TryGetValue(reference.Local, out var value) && IsPlainLocal(reference.Local) ? value : (long?)null;

        // Made the first time a condition reads a local with a known value (most bodies never do).
        private Dictionary<ILocalSymbol, bool>? _plainLocals;

        /// <summary>
        /// A local only this body writes, and only by name: not <c>ref</c>/<c>const</c>, declared in the analysed body
        /// (not captured from an enclosing one), never written inside a lambda or local function, never given as a
        /// <c>ref</c>/<c>out</c> argument or bound to a <c>ref</c> (read on the syntax of its declaring block, by name:
        /// another variable of the same name only makes the answer no). Such a local holds what the dataflow says.
        /// </summary>
        private bool IsPlainLocal(ILocalSymbol local)
        {
            _plainLocals ??= new Dictionary<ILocalSymbol, bool>(SymbolEqualityComparer.Default);
            if (_plainLocals.TryGetValue(local, out var plain))
            {
                return plain;
            }

            plain = !local.IsRef && !local.IsConst && (_owner is null || SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, _owner))
                && local.DeclaringSyntaxReferences.Length == 1 && WrittenOnlyByName(local);
            _plainLocals[local] = plain;
            return plain;
        }

        private static bool WrittenOnlyByName(ILocalSymbol local)
        {
            var names = LocalNames.In(local, out var scope);
            if (scope is null)
            {
                return false;
            }

            foreach (var name in names)
            {
                SyntaxNode node = name;
                while (node.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ParenthesizedExpressionSyntax)
                {
                    node = node.Parent;
                }

                switch (node.Parent)
                {
                    case Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax argument when !argument.RefKindKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.None):
                    case Microsoft.CodeAnalysis.CSharp.Syntax.RefExpressionSyntax _:
                        return false;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.AssignmentExpressionSyntax assignment when assignment.Left == node && InFunction(node, scope):
                    case Microsoft.CodeAnalysis.CSharp.Syntax.PrefixUnaryExpressionSyntax _ when InFunction(node, scope):
                    case Microsoft.CodeAnalysis.CSharp.Syntax.PostfixUnaryExpressionSyntax _ when InFunction(node, scope):
                        return false;
                }
            }

            return true;

            // Inside a lambda, anonymous method or local function nested in the local's scope.
            static bool InFunction(SyntaxNode node, SyntaxNode scope)
            {
                for (var current = node.Parent; current is not null && current != scope; current = current.Parent)
                {
                    if (current is Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax || current is Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        [MethodImpl(Jit.Optimized)]
        private static MappingState Update(MappingState state, MapSite site, SiteFlags set, SiteFlags clear) =>
            state.Sites.TryGetValue(site, out var status) ? state.WithSite(site, status.With(set, clear)) : state;

        [MethodImpl(Jit.Optimized)]
        private Binding? Eval(IOperation? operation, ref MappingState state)
        {
            switch (operation)
            {
                case null:
                    return null;
                case ILocalReferenceOperation wholeLocal when _valueOwners.Count > 0 && _valueOwners.Contains(wholeLocal.Local)
                    && !(wholeLocal.Parent is IMemberReferenceOperation member && member.Instance == wholeLocal):
                    // The whole tuple or struct is copied, passed or returned: what its members hold goes with it.
                    HandOverSlots(wholeLocal.Local, ref state);
                    return null;
                case ILocalReferenceOperation _:
                case IParameterReferenceOperation _:
                case IFlowCaptureReferenceOperation _:
                    {
                        var key = Alias(Keys.Of(operation)!);
                        return state.Bindings.TryGetValue(key, out var binding) ? binding : null;
                    }

                case IFlowCaptureOperation copy when WithOperandOf(copy) is { } operand && Keys.Of(operand) is ILocalSymbol source
                    && _slotsUnder.ContainsKey(source):
                    // `s with { … }` as the graph lowers it: a capture of the operand (of its clone, for a class) whose
                    // members the initializer then assigns. The copy starts with the operand's members (the mapping
                    // and the integers they hold), not as a whole value handed over.
                    state = CopyMembers(state, source, copy.Id);
                    _captured[copy.Id] = copy.Value;
                    return null;
                case IFlowCaptureOperation capture:
                    {
                        var value = Eval(capture.Value, ref state);
                        state = Bind(state, capture.Id, value, capture.Value);
                        _captured[capture.Id] = capture.Value;
                        return null;
                    }

                case IExpressionStatementOperation statement:
                    Eval(statement.Operation, ref state);
                    return null;
                case IReturnOperation yielded when yielded.Kind == OperationKind.YieldReturn:
                    {
                        // yield return hands the value to the caller, as return does.
                        var value = Eval(yielded.ReturnedValue, ref state);
                        if (_reporting)
                        {
                            _recording?.Yielded(value, state);
                        }

                        Transfer(value, ref state);
                        return null;
                    }
                case ISimpleAssignmentOperation assignment when assignment.IsRef && assignment.Target is ILocalReferenceOperation refLocal:
                    RefersTo(refLocal.Local, assignment.Value);
                    return null;
                case ISimpleAssignmentOperation assignment:
                    {
                        var value = Eval(assignment.Value, ref state);
                        Assign(assignment.Target, value, assignment.Value, ref state);
                        return value;
                    }

                case IVariableDeclaratorOperation declarator when declarator.Symbol.IsRef && declarator.Initializer is { } refInitializer:
                    RefersTo(declarator.Symbol, refInitializer.Value);
                    return null;
                case IVariableDeclaratorOperation declarator:
                    {
                        // A local's initialisation as the tree has it (StructuredFlow); the graph lowers it to an assignment.
                        if (declarator.Initializer is { } initializer)
                        {
                            var value = Eval(initializer.Value, ref state);
                            state = Bind(state, declarator.Symbol, value, initializer.Value);
                        }

                        return null;
                    }

                case ICompoundAssignmentOperation compound:
                    {
                        // The target is read as well as written (buf.Span[i] |= v touches the buffer).
                        Eval(compound.Target, ref state);
                        Eval(compound.Value, ref state);
                        var key = Keys.Of(compound.Target);
                        if (key is not null)
                        {
                            // frame -= 4 on a known constant is a known constant (a length trimmed after the map is still compared).
                            var folded = compound.OperatorMethod is null && IsFoldedType(compound.Target.Type) && state.Constants.TryGetValue(key, out var before)
                                && ConstantOf(compound.Value, state) is long operand ? Fold(compound.OperatorKind, before, operand, compound.Target.Type!) : null;
                            state = Bind(state, key, null, null);
                            if (folded is long after)
                            {
                                state = state.WithConstants(state.Constants.SetItem(key, after));
                            }
                        }

                        return null;
                    }

                case IIncrementOrDecrementOperation step:
                    {
                        Eval(step.Target, ref state);
                        // n++ moves a known constant by one (a length computed that way is still compared).
                        var key = Keys.Of(step.Target);
                        if (key is not null && state.Constants.TryGetValue(key, out var known))
                        {
                            state = state.WithConstants(state.Constants.SetItem(key, step.Kind == OperationKind.Increment ? known + 1 : known - 1));
                        }

                        return null;
                    }

                case IConversionOperation conversion:
                    return Eval(conversion.Operand, ref state);
                case IUnaryOperation unary:
                    {
                        var value = Eval(unary.Operand, ref state);
                        if (unary.OperatorKind == UnaryOperatorKind.Not)
                        {
                            return value is CheckBinding check ? check.WithNegated(!check.Negated) : null;
                        }

                        return Derived(value);
                    }

                case IBinaryOperation binary:
                    {
                        var left = Eval(binary.LeftOperand, ref state);
                        var right = Eval(binary.RightOperand, ref state);
                        switch (binary.OperatorKind)
                        {
                            case BinaryOperatorKind.Add:
                            case BinaryOperatorKind.Subtract:
                            case BinaryOperatorKind.Or:
                                return Derived(left) ?? Derived(right);
                            default:
                                return null;
                        }
                    }

                case IInvocationOperation invocation:
                    return Invocation(invocation, ref state);
                case IAwaitOperation awaited:
                    // The awaited result of an async helper that maps is its mapping (see MadeByCall).
                    return Eval(awaited.Operation, ref state);
                case IObjectCreationOperation creation when creation.Constructor is { } primary && PositionalProperties(primary) is { } properties
                    && ReceivingLocal(creation) is not null:
                    {
                        // A record made in a local: each positional argument is the property of its name,
                        // given to the object (a class holds it) or kept in the local (a struct).
                        List<KeyValuePair<ISymbol, Binding>>? members = null;
                        foreach (var argument in creation.Arguments)
                        {
                            var value = Eval(argument.Value, ref state);
                            if (value is not null && argument.Parameter is { } parameter && parameter.Ordinal < properties.Length
                                && properties[parameter.Ordinal] is { } property && (value is SiteBinding || value is ChoiceBinding))
                            {
                                (members ??= new List<KeyValuePair<ISymbol, Binding>>()).Add(new KeyValuePair<ISymbol, Binding>(property, value));
                                if (!creation.Type!.IsValueType)
                                {
                                    Transfer(value, ref state, stored: true);
                                }
                            }
                            else
                            {
                                Transfer(value, ref state);
                            }
                        }

                        if (members is not null)
                        {
                            _made[creation] = members;
                        }

                        Eval(creation.Initializer, ref state);
                        return null;
                    }

                case IObjectCreationOperation creation:
                    {
                        Binding? derived = null;
                        if (creation.Constructor is { } constructor)
                        {
                            derived = PassArguments(constructor, creation.Arguments, ref state);
                        }

                        Eval(creation.Initializer, ref state);
                        return _symbols.IsBusAddressType(creation.Type) ? derived : null;
                    }

                case IArrayElementReferenceOperation element:
                    {
                        Eval(element.ArrayReference, ref state);
                        foreach (var index in element.Indices)
                        {
                            Eval(index, ref state);
                        }

                        return ElementOf(element.ArrayReference, state);
                    }

                case IPropertyReferenceOperation indexer when IsContainerIndexer(indexer):
                    {
                        Eval(indexer.Instance, ref state);
                        foreach (var argument in indexer.Arguments)
                        {
                            Transfer(Eval(argument.Value, ref state), ref state);
                        }

                        return ElementOf(indexer.Instance, state);
                    }

                case IPropertyReferenceOperation current when current.Arguments.IsEmpty && current.Instance is not null && Containers.IsElementType(current.Property.OriginalDefinition.Type)
                    && !InCompilation(current.Property) && LazyOf(current.Instance, state) is { } lazySequence:
                    // enumerator.Current of a sequence made as it is read: the mapping is made here.
                    Eval(current.Instance, ref state);
                    return Made(current, lazySequence.Made, lazySequence.Maker, ref state);
                case IPropertyReferenceOperation property when NullableValue(property) is { } nullable:
                    // a.Value of a nullable handle is the handle.
                    return Eval(nullable, ref state);
                case IPropertyReferenceOperation property:
                    {
                        if (_slotsHeld && (Keys.SlotOf(property) ?? ReadOnlySlotOf(property)) is { } slot && state.Bindings.TryGetValue(slot, out var held))
                        {
                            return held;
                        }

                        return MemberAccess(property, property.Property, property.Instance, ref state);
                    }

                case IFieldReferenceOperation field:
                    {
                        var key = _slotsHeld ? KeyOf(field) : Keys.Of(field);
                        if (key is not null && state.Bindings.TryGetValue(key, out var bound))
                        {
                            return bound;
                        }

                        return MemberAccess(field, field.Field, field.Instance, ref state);
                    }

                case IConditionalOperation conditional when conditional.WhenFalse is { } otherwise && !conditional.IsRef:
                    {
                        // A ?: as the tree has it (StructuredFlow), followed as the graph lowers it: the
                        // condition branches, each arm is captured, the two paths meet, and the value is the
                        // capture's (keyed by the operation, as a flow capture is by its id).
                        Eval(conditional.Condition, ref state);
                        Split(conditional.Condition, state, out var whenTrue, out var whenFalse);
                        var trueValue = Eval(conditional.WhenTrue, ref whenTrue);
                        whenTrue = Bind(whenTrue, conditional, trueValue, conditional.WhenTrue);
                        var falseValue = Eval(otherwise, ref whenFalse);
                        whenFalse = Bind(whenFalse, conditional, falseValue, otherwise);
                        state = Merge(whenTrue, whenFalse);
                        return state.Bindings.TryGetValue(conditional, out var value) ? value : null;
                    }

                case IFlowAnonymousFunctionOperation _:
                case IAnonymousFunctionOperation _:
                    // A lambda may release or keep any handle it captures: treat every live handle as handed over.
                    HandOverAll(ref state);
                    MapsIntoCaptured(operation, ref state);
                    return MakerOfOperation(operation) is { } maker ? new MakerBinding(maker) : null;
                case IDelegateCreationOperation delegateCreation:
                    return Eval(delegateCreation.Target, ref state);
                case ITranslatedQueryOperation query:
                    return Eval(query.Operation, ref state);
                case ITupleOperation tuple when ReceivingLocal(tuple) is { } tupleLocal && tupleLocal.Type is INamedTypeSymbol tupleType
                    && tupleType.IsTupleType && tupleType.TupleElements.Length == tuple.Elements.Length:
                    {
                        // Kept in a local tuple: each element is a member of it (t.A, t.Item1), still this body's.
                        List<KeyValuePair<ISymbol, Binding>>? elements = null;
                        for (var i = 0; i < tuple.Elements.Length; i++)
                        {
                            if (Eval(tuple.Elements[i], ref state) is { } element && (element is SiteBinding || element is ChoiceBinding))
                            {
                                var field = tupleType.TupleElements[i];
                                (elements ??= new List<KeyValuePair<ISymbol, Binding>>()).Add(new KeyValuePair<ISymbol, Binding>(field, element));
                                if (field.CorrespondingTupleField is { } item && !SymbolEqualityComparer.Default.Equals(item, field))
                                {
                                    elements.Add(new KeyValuePair<ISymbol, Binding>(item, element));
                                }
                            }
                        }

                        if (elements is not null)
                        {
                            _made[tuple] = elements;
                        }

                        return null;
                    }

                case IDeconstructionAssignmentOperation deconstruction when Keys.Unwrap(deconstruction.Value) is ITupleOperation values
                    && DeconstructedInto(deconstruction.Target) is { } targets && targets.Elements.Length == values.Elements.Length:
                    // (a, b) = (x, y): element by element.
                    for (var i = 0; i < values.Elements.Length; i++)
                    {
                        var element = Eval(values.Elements[i], ref state);
                        var target = targets.Elements[i] is IDeclarationExpressionOperation declared ? declared.Expression : targets.Elements[i];
                        Assign(target, element, values.Elements[i], ref state);
                    }

                    return null;
                case IArrayCreationOperation array when array.Initializer is { } elements && Received(array):
                    {
                        // An array made with its elements and kept (in a local, a field): its elements are a container's.
                        foreach (var dimension in array.DimensionSizes)
                        {
                            Eval(dimension, ref state);
                        }

                        foreach (var value in elements.ElementValues)
                        {
                            if (value is IArrayInitializerOperation)
                            {
                                Transfer(Eval(value, ref state), ref state);
                                continue;
                            }

                            StoreElement(array, Eval(value, ref state), ref state);
                        }

                        return null;
                    }

                case IDeconstructionAssignmentOperation deconstruction when DeconstructedInto(deconstruction.Target) is { } into:
                    {
                        // (a, b) = Make(): a helper's tuple whose elements it summarised, element by element.
                        Eval(deconstruction.Value, ref state);
                        var made = Keys.Unwrap(deconstruction.Value);
                        if (_made.Count > 0 && _made.TryGetValue(made, out var members) && made.Type is INamedTypeSymbol { IsTupleType: true } madeType
                            && madeType.TupleElements.Length == into.Elements.Length)
                        {
                            _made.Remove(made);
                            for (var i = 0; i < into.Elements.Length; i++)
                            {
                                foreach (var member in members)
                                {
                                    if (SymbolEqualityComparer.Default.Equals(member.Key, madeType.TupleElements[i]))
                                    {
                                        var target = into.Elements[i] is IDeclarationExpressionOperation declared ? declared.Expression : into.Elements[i];
                                        Assign(target, member.Value, deconstruction.Value, ref state);
                                    }
                                }
                            }
                        }

                        return null;
                    }

                case ITupleOperation _:
                case IArrayCreationOperation _:
                case IArrayInitializerOperation _:
                case IAnonymousObjectCreationOperation _:
                    // Stored into an aggregate: ownership goes with it.
                    foreach (var child in operation.ChildOperations)
                    {
                        Transfer(Eval(child, ref state), ref state);
                    }

                    return null;
                default:
                    foreach (var child in operation.ChildOperations)
                    {
                        Eval(child, ref state);
                    }

                    return null;
            }
        }

        /// <summary>The nullable whose value <paramref name="operation"/> reads (<c>a.Value</c>, <c>a.GetValueOrDefault()</c>), if it reads one.</summary>
        [MethodImpl(Jit.Optimized)]
        private static IOperation? NullableValue(IOperation operation) => operation switch
        {
            IPropertyReferenceOperation property when property.Property.Name == "Value" && IsNullable(property.Property.ContainingType) => property.Instance,
            IInvocationOperation call when call.Arguments.IsEmpty && call.TargetMethod.Name == "GetValueOrDefault" && IsNullable(call.TargetMethod.ContainingType) => call.Instance,
            _ => null,
        };

        private static bool IsNullable(INamedTypeSymbol? type) => type?.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

        /// <summary>A storage location the analysis follows: <see cref="Keys.Of"/>, or a member of a tracked object (<see cref="Keys.SlotOf"/>).</summary>
        [MethodImpl(Jit.Optimized)]
        private object? KeyOf(IOperation? operation) => Keys.Of(operation) ?? Keys.SlotOf(operation) ?? ReadOnlySlotOf(operation) ?? (object?)RefFieldOf(operation);

        /// <summary>
        /// A get-only property of a tracked object (<c>config.A</c>), as a slot: only a constructor sets
        /// it, so what the constructor was given for it (see <see cref="PositionalProperties"/>) is what it holds.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static SlotKey? ReadOnlySlotOf(IOperation? operation)
        {
            if (!(operation is IPropertyReferenceOperation property) || !property.Arguments.IsEmpty || property.Property.SetMethod is not null
                || property.Instance is null || property.Property.IsStatic)
            {
                return null;
            }

            var owner = property.Instance is IInstanceReferenceOperation ? SlotKey.This : Keys.Of(property.Instance) ?? Keys.SlotOf(property.Instance);
            return owner is null ? null : new SlotKey(owner, property.Property);
        }

        /// <summary>A call of a ref-returning method of the compilation that returns a field of this object (or a static field): that field.</summary>
        [MethodImpl(Jit.Optimized)]
        private IFieldSymbol? RefFieldOf(IOperation? operation) =>
            operation is IInvocationOperation call && call.TargetMethod.ReturnsByRef && _summaries is not null
            && (call.Instance is null || call.Instance is IInstanceReferenceOperation) && InCompilation(call.TargetMethod)
                ? _summaries.RefReturnedField(call.TargetMethod)
                : null;

        /// <summary>The object at <paramref name="owner"/> is replaced: what its members held is no longer known.</summary>
        [MethodImpl(Jit.Optimized)]
        private MappingState Forget(MappingState state, object owner)
        {
            if (!_slotsUnder.TryGetValue(owner, out var slots))
            {
                return state;
            }

            var bindings = state.Bindings;
            var constants = state.Constants;
            foreach (var slot in slots)
            {
                bindings = bindings.Remove(slot);
                constants = constants.Remove(slot);
            }

            return state.WithBindings(bindings).WithConstants(constants);
        }

        /// <summary>
        /// What a call that may reach this body's state does to it: the mappings the body keeps in slots the call can reach
        /// are handed over (<see cref="HandOverHeld"/>), and fields released here that the call may map again no longer say
        /// what they hold (<see cref="ForgetReleasedFields"/>). Each only where the body has such slots or released fields.
        /// </summary>
        private void ReachedByCall(IMethodSymbol method, IOperation? instance, ImmutableArray<IArgumentOperation> arguments, ref MappingState state)
        {
            if (_slotsHeld)
            {
                HandOverHeld(method, instance, arguments, ref state);
            }

            if (_releasedFields.Count > 0)
            {
                ForgetReleasedFields(method, instance, ref state);
            }
        }

        /// <summary>
        /// A call that can read the handles held in the fields of this object (a call on this, or a
        /// static one of its type) or in the members of an object it is given may check them, and
        /// may store others there: like a handle passed on, they are taken for checked, and the
        /// members of an object passed on are no longer known.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private void HandOverHeld(IMethodSymbol method, IOperation? instance, ImmutableArray<IArgumentOperation> arguments, ref MappingState state)
        {
            // Only the fields and members this body has stored a value into are looked up, through the
            // indexes kept as they were bound, not every binding of the state.
            var onThis = instance is IInstanceReferenceOperation;
            if (onThis || instance is null)
            {
                foreach (var field in _heldFields)
                {
                    if ((onThis || SymbolEqualityComparer.Default.Equals(method.ContainingType, field.ContainingType))
                        && state.Bindings.TryGetValue(field, out var held))
                    {
                        Transfer(held, ref state);
                    }
                }
            }

            if (onThis)
            {
                HandOverSlots(SlotKey.This, ref state);
            }

            var instanceKey = KeyOf(instance);
            if (instanceKey is not null)
            {
                HandOverSlots(instanceKey, ref state);
            }

            foreach (var argument in arguments)
            {
                if (KeyOf(argument.Value) is { } argumentKey)
                {
                    HandOverSlots(argumentKey, ref state);
                    HandOverElements(argumentKey, ref state);
                }
            }

            if (_elementOwnerList.Count > 0 && InCompilation(method))
            {
                // The driver's own code, run on this object (or a container given to it as its instance), can reach the elements it holds.
                foreach (var container in _elementOwnerList)
                {
                    if ((container is IFieldSymbol field && (onThis || (instance is null && SymbolEqualityComparer.Default.Equals(method.ContainingType, field.ContainingType))))
                        || (instanceKey is not null && container.Equals(instanceKey)))
                    {
                        HandOverElements(container, ref state);
                    }
                }
            }

            if (instanceKey is not null)
            {
                state = Forget(state, instanceKey);
            }

            foreach (var argument in arguments)
            {
                if (KeyOf(argument.Value) is { } argumentKey)
                {
                    state = Forget(state, argumentKey);
                }
            }
        }

        // The containers (by their own storage) this body has stored a handle into.
        private readonly HashSet<object> _elementOwners = new HashSet<object>();
        private readonly List<object> _elementOwnerList = new List<object>();
        private Containers ContainerTypes => _symbols.Containers;

        /// <summary>The storage of a container (a local, parameter, field of this, slot or flow capture of an array or a library collection), if it is one.</summary>
        [MethodImpl(Jit.Optimized)]
        private object? ContainerKeyOf(IOperation? container)
        {
            if (container is null)
            {
                return null;
            }

            var unwrapped = Keys.Unwrap(container);
            return ContainerTypes.IsContainer(unwrapped.Type) ? KeyOf(unwrapped) : null;
        }

        /// <summary>An indexer of a library collection (list[i], map[key]) whose value is of its element type.</summary>
        [MethodImpl(Jit.Optimized)]
        private bool IsContainerIndexer(IPropertyReferenceOperation property) =>
            !property.Arguments.IsEmpty && property.Instance is not null && Containers.IsElementType(property.Property.OriginalDefinition.Type)
            && !InCompilation(property.Property) && ContainerTypes.IsContainer(Keys.Unwrap(property.Instance).Type);

        /// <summary>What an element read from the container at <paramref name="container"/> holds: the handle, when one of this body's is stored there; several (<see cref="ContentsBinding"/>), when more.</summary>
        [MethodImpl(Jit.Optimized)]
        private Binding? ElementOf(IOperation? container, MappingState state)
        {
            if (_elementOwners.Count == 0 || !(ContainerKeyOf(container) is { } key) || !state.Bindings.TryGetValue(new ElementKey(key), out var held)
                || !(held is ContentsBinding contents))
            {
                return null;
            }

            return contents.Sites.Length == 1 ? new HandleBinding(contents.Sites[0]) : contents;
        }

        /// <summary>The element an array element or a collection's indexer reads, without evaluating anything.</summary>
        [MethodImpl(Jit.Optimized)]
        private Binding? ElementRead(IOperation operation, MappingState state) => operation switch
        {
            IArrayElementReferenceOperation element => ElementOf(element.ArrayReference, state),
            IPropertyReferenceOperation indexer when IsContainerIndexer(indexer) => ElementOf(indexer.Instance, state),
            _ => null,
        };

        /// <summary>A value is stored into an element of the container at <paramref name="container"/>: it joins what the container may hold, and is stored (still owed its check).</summary>
        [MethodImpl(Jit.Optimized)]
        private void StoreElement(object container, Binding? value, ref MappingState state)
        {
            Transfer(value, ref state, stored: true);
            var sites = ContentsBinding.SitesOf(value);
            if (sites is null)
            {
                return;
            }

            if (_elementOwners.Add(container))
            {
                _elementOwnerList.Add(container);
            }

            _slotsHeld = true;
            var key = new ElementKey(container);
            if (_recording is null && sites.Length == 1 && !_keptIn.ContainsKey(container))
            {
                // Where a loop's map keeps each pass's mapping: an element read there on a later pass is an earlier pass's (see NoteUnwind).
                _keptIn[container] = sites[0];
            }

            var contents = new ContentsBinding(sites);
            if (state.Bindings.TryGetValue(key, out var held) && held is ContentsBinding before)
            {
                contents = before.Union(contents);
            }

            state = state.WithBindings(state.Bindings.SetItem(key, contents));
        }

        /// <summary>
        /// A variable given a container: what the elements of the one it is given hold, when that one was
        /// just made here (an array or collection initializer, held by the operation or by the graph's
        /// capture); otherwise nothing of this body's (a container assigned again is not the one stored into).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private PersistentMap<object, Binding> ElementsOfMade(object key, IOperation? valueOperation, PersistentMap<object, Binding> bindings)
        {
            var elements = new ElementKey(key);
            if (_elementOwners.Contains(key))
            {
                bindings = bindings.Remove(elements);
            }

            if (valueOperation is null)
            {
                return bindings;
            }

            var made = Keys.Unwrap(valueOperation);
            object? source = made is IArrayCreationOperation ? made : Keys.CaptureOf(made);
            if (source is not null && _elementOwners.Contains(source) && bindings.TryGetValue(new ElementKey(source), out var held))
            {
                if (_elementOwners.Add(key))
                {
                    _elementOwnerList.Add(key);
                }

                bindings = bindings.SetItem(elements, held);
            }

            return bindings;
        }

        /// <summary>Is the value kept: assigned to a variable, field or member, or initialising a local?</summary>
        private static bool Received(IOperation operation)
        {
            var parent = operation.Parent;
            while (parent is IConversionOperation conversion && conversion.IsImplicit)
            {
                parent = parent.Parent;
            }

            return parent is ISimpleAssignmentOperation assignment && !assignment.IsRef || parent is IVariableInitializerOperation;
        }

        /// <summary>A call of a library collection's member that stores or reads an element (see <see cref="Containers"/>).</summary>
        [MethodImpl(Jit.Optimized)]
        private bool IsContainerRead(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            var receiver = call.Instance ?? (method.IsExtensionMethod && call.Arguments.Length > 0 ? call.Arguments[0].Value : null);
            return receiver is not null && !InCompilation(method) && Containers.ReadsElement(method) && ContainerKeyOf(receiver) is not null;
        }

        /// <summary>
        /// A call of a library collection's member on a container this analysis names: an element stored
        /// (list.Add(a), queue.Enqueue(a)), read (queue.Dequeue(), list.First()) or written to an out
        /// argument (map.TryGetValue(k, out a)). False, having evaluated nothing, for any other call.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private bool ContainerCall(IInvocationOperation invocation, ref MappingState state, out Binding? element)
        {
            element = null;
            var method = invocation.TargetMethod;
            if (InCompilation(method))
            {
                return false;
            }

            var receiver = invocation.Instance ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
            if (receiver is null || !(ContainerKeyOf(receiver) is { } container))
            {
                return false;
            }

            var reads = Containers.ReadsElement(method);
            var stores = Containers.Stores(method);
            var writesOut = false;
            foreach (var argument in invocation.Arguments)
            {
                writesOut |= argument.Parameter is { RefKind: RefKind.Out } parameter && Containers.IsElementType(parameter.OriginalDefinition.Type);
            }

            if (!reads && !stores && !writesOut)
            {
                return false;
            }

            Eval(invocation.Instance, ref state);
            foreach (var argument in invocation.Arguments)
            {
                var parameter = argument.Parameter;
                if (parameter is { RefKind: RefKind.Out })
                {
                    continue;
                }

                var value = Eval(argument.Value, ref state);
                if (stores && parameter is not null && Containers.IsElementType(parameter.OriginalDefinition.Type))
                {
                    StoreElement(container, value, ref state);
                }
                else
                {
                    Transfer(value, ref state);
                }
            }

            var held = ElementOf(receiver, state);
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter is { RefKind: RefKind.Out } parameter && Containers.IsElementType(parameter.OriginalDefinition.Type))
                {
                    var target = argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value;
                    Assign(target, held, argument.Value, ref state);
                }
            }

            element = reads ? held : null;
            return true;
        }

        /// <summary>
        /// What a store leaves in <paramref name="slot"/>: the value, unless the slot is a member of an array's
        /// elements (<c>rx[i].Addr</c>, one location for every element) already holding another mapping: the
        /// element written may not be the one read next, so neither is known to be there (and paths that meet
        /// with different mappings there make it unknown too, see Join: not a choice of every element's).
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static Binding? OfAnyElement(object slot, Binding? value, MappingState state)
        {
            return value is null || !state.Bindings.TryGetValue(slot, out var held) || held.Equals(value) || !Keys.IsElementMember(slot)
                ? value
                : ConflictBinding.Instance;
        }

        /// <summary>What the elements of the container at <paramref name="container"/> hold is handed over (a call that can reach it may check it).</summary>
        [MethodImpl(Jit.Optimized)]
        private void HandOverElements(object container, ref MappingState state)
        {
            if (_elementOwners.Contains(container) && state.Bindings.TryGetValue(new ElementKey(container), out var held))
            {
                Transfer(held, ref state);
            }
        }

        /// <summary>
        /// The mapping a lambda makes when it runs: its body's one <c>return</c> gives the result of a map
        /// (a handle), unchecked; length and direction when constants; the buffer when it is one of the
        /// lambda's parameters (by ordinal) or a variable the lambda captures. Null for anything else.
        /// </summary>
        private MadeMapping? MakerOf(IAnonymousFunctionOperation lambda)
        {
            if (_makers.TryGetValue(lambda.Syntax, out var known))
            {
                return known;
            }

            MadeMapping? made = null;
            IReturnOperation? only = null;
            var single = true;
            foreach (var node in lambda.Body.Descendants())
            {
                if (node is IAnonymousFunctionOperation || node is ILocalFunctionOperation || (node is IReturnOperation && only is not null))
                {
                    single = false;
                    break;
                }

                only = node as IReturnOperation ?? only;
            }

            if (single && only?.ReturnedValue is { } returned)
            {
                made = MakerOfReturn(returned, lambda.Symbol);
            }

            _makers[lambda.Syntax] = made;
            return made;
        }

        /// <summary>The mapping a lambda returning <paramref name="returned"/> makes: see <see cref="MakerOf(IAnonymousFunctionOperation)"/>.</summary>
        private MadeMapping? MakerOfReturn(IOperation returned, ISymbol lambda)
        {
            MadeMapping? made = null;
            if (Keys.Unwrap(returned) is IInvocationOperation call
                && (_symbols.RolesOf(call.TargetMethod) & DmaRole.Map) != 0 && _symbols.IsBusAddressType(call.TargetMethod.ReturnType))
            {
                long? length = null;
                long? direction = null;
                IOperation? buffer = null;
                foreach (var argument in call.Arguments)
                {
                    if (argument.Parameter is not { } parameter)
                    {
                        continue;
                    }

                    if (parameter.Ordinal == 0)
                    {
                        buffer = argument.Value;
                    }

                    if (_symbols.IsDirectionType(parameter.Type))
                    {
                        direction = ConstantOf(argument.Value, MappingState.Empty) is long raw ? TransferDirection.Of(parameter.Type, raw) : null;
                    }
                    else if (DmaSymbols.IsLengthParameter(parameter))
                    {
                        length = ConstantOf(argument.Value, MappingState.Empty);
                    }
                }

                var bufferKey = Keys.Of(buffer);
                var bufferOrdinal = bufferKey is IParameterSymbol own && SymbolEqualityComparer.Default.Equals(own.ContainingSymbol, lambda) ? own.Ordinal : -1;
                var device = direction == FromDevice || direction == Bidirectional ? SiteFlags.DeviceOwned : direction == ToDevice ? SiteFlags.DeviceReads : SiteFlags.None;
                made = new MadeMapping(MappingKind.Streaming, @unchecked: true, device, length, direction, bufferOrdinal, bufferOrdinal < 0 ? bufferKey as ISymbol : null);
            }

            return made;
        }

        private readonly Dictionary<SyntaxNode, MadeMapping?> _makers = new Dictionary<SyntaxNode, MadeMapping?>();

        /// <summary>The mapping a lambda (as the tree or the graph has it, or a delegate made from one) makes when it runs; see <see cref="MakerOf(IAnonymousFunctionOperation)"/>.</summary>
        private MadeMapping? MakerOfOperation(IOperation? value)
        {
            switch (value is null ? null : Keys.Unwrap(value))
            {
                case IDelegateCreationOperation creation:
                    return MakerOfOperation(creation.Target);
                case IAnonymousFunctionOperation tree:
                    return MakerOf(tree);
                case IFlowAnonymousFunctionOperation flow when flow.Symbol.DeclaringSyntaxReferences.Length == 1
                    && (flow.SemanticModel ?? _model) is { } model && model.SyntaxTree == flow.Symbol.DeclaringSyntaxReferences[0].SyntaxTree:
                    {
                        var syntax = flow.Symbol.DeclaringSyntaxReferences[0].GetSyntax();
                        if (_makers.TryGetValue(syntax, out var known))
                        {
                            return known;
                        }

                        // A query clause's lambda has no syntax of its own: its syntax is the clause's expression, the value it returns.
                        var made = Rules.DeepStack.Operation(model, syntax) switch
                        {
                            IAnonymousFunctionOperation lambda => MakerOf(lambda),
                            IOperation clauseValue when syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax && !(syntax is Microsoft.CodeAnalysis.CSharp.Syntax.LambdaExpressionSyntax) => MakerOfReturn(clauseValue, flow.Symbol),
                            _ => null,
                        };
                        _makers[syntax] = made;
                        return made;
                    }
                default:
                    return null;
            }
        }

        /// <summary>The mapping a readonly delegate field runs a lambda to make (see <see cref="MappingSummaries.LambdaOfField"/>).</summary>
        private MadeMapping? FieldMaker(IOperation? instance) =>
            instance is IFieldReferenceOperation field && (field.Instance is null || field.Instance is IInstanceReferenceOperation)
            && _summaries?.LambdaOfField(field.Field) is { } lambda
                ? MakerOf(lambda)
                : null;

        /// <summary>The sequence made as it is read that a variable holds, if it holds one (pure).</summary>
        private LazyBinding? LazyOf(IOperation sequence, MappingState state) =>
            KeyOf(Keys.Unwrap(sequence)) is { } key && state.Bindings.TryGetValue(key, out var held) ? held as LazyBinding : null;

        /// <summary>
        /// Is this a sequence made as it is read (pure): a variable holding one, a call of an iterator
        /// helper that yields fresh mappings, a library method returning a sequence that is given a
        /// lambda that maps (<c>Select</c>) or called on such a sequence (<c>Where</c>, <c>GetEnumerator</c>)?
        /// </summary>
        private bool MayBeLazy(IOperation sequence, MappingState state, int depth)
        {
            var value = Keys.Unwrap(sequence);
            if (value is ITranslatedQueryOperation query)
            {
                value = Keys.Unwrap(query.Operation);
            }

            if (LazyOf(value, state) is not null)
            {
                return true;
            }

            if (!(value is IInvocationOperation call) || depth > 8)
            {
                return false;
            }

            var method = call.TargetMethod;
            if (InCompilation(method))
            {
                return _summaries is not null && _summaries.MakerNames.Contains(method.Name) && _summaries.Of(method, _search)?.Yields is not null;
            }

            if (!ReturnsSequence(method))
            {
                return false;
            }

            foreach (var argument in call.Arguments)
            {
                if (MakerOfOperation(argument.Value) is not null)
                {
                    return true;
                }
            }

            var receiver = call.Instance ?? (method.IsExtensionMethod && call.Arguments.Length > 0 ? call.Arguments[0].Value : null);
            return receiver is not null && MayBeLazy(receiver, state, depth + 1);
        }

        /// <summary>Does the method return a sequence or its enumerator (<c>IEnumerable&lt;T&gt;</c>, <c>IEnumerator&lt;T&gt;</c>)?</summary>
        private static bool ReturnsSequence(IMethodSymbol method) =>
            method.ReturnType.OriginalDefinition.SpecialType is SpecialType.System_Collections_Generic_IEnumerable_T or SpecialType.System_Collections_Generic_IEnumerator_T;

        /// <summary>A library method returning a sequence, given a lambda that maps: a sequence made as it is read (nothing is mapped yet).</summary>
        private LazyBinding? LazyMade(IInvocationOperation invocation)
        {
            if (!ReturnsSequence(invocation.TargetMethod) || InCompilation(invocation.TargetMethod))
            {
                return null;
            }

            foreach (var argument in invocation.Arguments)
            {
                if (MakerOfOperation(argument.Value) is { } made)
                {
                    // The lambda's parameters are the sequence's elements, not the call's arguments: its own buffer parameter names nothing here.
                    return new LazyBinding(
                        made.BufferOrdinal < 0 ? made : new MadeMapping(made.Kind, made.Unchecked, made.Device, made.Length, made.Direction, -1, null),
                        invocation);
                }
            }

            return null;
        }

        /// <summary>
        /// A library call on a sequence made as it is read: reading an element (<c>First()</c>,
        /// <c>Single()</c>) makes the mapping here; a method returning a sequence or enumerator of it
        /// (<c>Where</c>, <c>GetEnumerator</c>) is the same sequence; anything else gives nothing.
        /// </summary>
        private Binding? LazyCall(IInvocationOperation invocation, ref MappingState state)
        {
            var method = invocation.TargetMethod;
            var lazy = Eval(invocation.Instance, ref state) as LazyBinding;
            foreach (var argument in invocation.Arguments)
            {
                var value = Eval(argument.Value, ref state);
                if (lazy is null && argument.Parameter?.Ordinal == 0 && method.IsExtensionMethod && value is LazyBinding given)
                {
                    lazy = given;
                }
                else
                {
                    Transfer(value, ref state);
                }
            }

            if (lazy is null)
            {
                return null;
            }

            if (Containers.ReadsElement(method))
            {
                return Made(invocation, lazy.Made, lazy.Maker, ref state);
            }

            return ReturnsSequence(method) ? lazy : null;
        }

        /// <summary>What the members of the object at <paramref name="owner"/> (and their members) hold is handed over.</summary>
        [MethodImpl(Jit.Optimized)]
        private void HandOverSlots(object owner, ref MappingState state)
        {
            if (_slotsUnder.TryGetValue(owner, out var slots))
            {
                foreach (var slot in slots)
                {
                    if (state.Bindings.TryGetValue(slot, out var held))
                    {
                        Transfer(held, ref state);
                    }
                }
            }
        }

        /// <summary>Records a storage location given a value, for <see cref="Forget"/> and <see cref="HandOverHeld"/>.</summary>
        [MethodImpl(Jit.Optimized)]
        private void Held(object key)
        {
            if (key is IFieldSymbol field)
            {
                if (_heldFieldSet.Add(field))
                {
                    _heldFields.Add(field);
                }
            }
            else if (key is SlotKey slot && _slotSet.Add(slot))
            {
                for (object? owner = slot.Owner; owner is not null; owner = Keys.OwnerOf(owner))
                {
                    if (!_slotsUnder.TryGetValue(owner, out var slots))
                    {
                        slots = new List<SlotKey>();
                        _slotsUnder[owner] = slots;
                    }

                    slots.Add(slot);
                }
            }
        }

        // The fields of this type given a value in this body, and the members of objects, by each
        // object they are reached through (their owner, its owner...): what a call or a replaced object reaches.
        private readonly List<IFieldSymbol> _heldFields = new List<IFieldSymbol>();
        private readonly HashSet<IFieldSymbol> _heldFieldSet = new HashSet<IFieldSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<SlotKey> _slotSet = new HashSet<SlotKey>();
        private readonly Dictionary<object, List<SlotKey>> _slotsUnder = new Dictionary<object, List<SlotKey>>();

        // The sites that map a buffer FromDevice or Bidirectional (the only ones the device can own), by
        // the buffer's storage, in the order they were met: DMA005 and a reassigned buffer look these up.
        private readonly Dictionary<object, List<MapSite>> _ownedBuffers = new Dictionary<object, List<MapSite>>();

        [MethodImpl(Jit.Optimized)]
        private static Binding? Derived(Binding? binding) => binding switch
        {
            HandleBinding handle when handle.Site.Kind == MappingKind.Streaming => new DerivedBinding(handle.Site),
            DerivedBinding derived => derived,
            ChoiceBinding choice when AllStreaming(choice) => choice.AsDerived(),
            _ => null,
        };

        private static bool AllStreaming(ChoiceBinding choice)
        {
            foreach (var member in choice.Members)
            {
                if (member.Site.Kind != MappingKind.Streaming)
                {
                    return false;
                }
            }

            return true;
        }

        [MethodImpl(Jit.Optimized)]
        private MappingState Bind(MappingState state, object key, Binding? value, IOperation? valueOperation)
        {
            if (_ownedBuffers.TryGetValue(key, out var mapped))
            {
                foreach (var site in mapped)
                {
                    if (state.Sites.TryGetValue(site, out var status) && (status.Flags & SiteFlags.DeviceAccess) != 0)
                    {
                        // The variable now names another buffer: the mapped one is no longer reachable through it.
                        state = Update(state, site, SiteFlags.None, SiteFlags.DeviceAccess);
                    }
                }
            }

            var constant = valueOperation is null ? null : ConstantOf(valueOperation, state);
            if (value is not null || (constant is not null && key is SlotKey))
            {
                // A member given a known integer is held too (a value's member read back as a length: see ConstantOf).
                Held(key);
            }

            if (_earlierPassesMade && _reporting && valueOperation is not null && state.Bindings.TryGetValue(key, out var overwritten))
            {
                NoteOverwrite(key, overwritten, value, valueOperation, state);
            }

            if (_slotsHeld && !(key is CaptureId))
            {
                state = Forget(state, key);
            }

            // Most writes (flow captures of plain values) change nothing: keep the state object, so that
            // joins and fixpoint checks see the same instance.
            var bindings = state.Bindings.TryGetValue(key, out var bound)
                ? value is null ? state.Bindings.Remove(key) : bound.Equals(value) ? state.Bindings : state.Bindings.SetItem(key, value)
                : value is null ? state.Bindings : state.Bindings.SetItem(key, value);
            var constants = state.Constants.TryGetValue(key, out var known)
                ? constant is long c ? c == known ? state.Constants : state.Constants.SetItem(key, c) : state.Constants.Remove(key)
                : constant is long d ? state.Constants.SetItem(key, d) : state.Constants;
            if (key is ILocalSymbol local && valueOperation is not null)
            {
                bindings = MembersOfMade(local, Keys.Unwrap(valueOperation), bindings, ref constants, state);
            }

            if (_elementOwners.Count > 0 && !(key is ElementKey))
            {
                bindings = ElementsOfMade(key, valueOperation, bindings);
            }

            return ReferenceEquals(bindings, state.Bindings) && ReferenceEquals(constants, state.Constants) ? state : new MappingState(bindings, state.Sites, constants);
        }

        /// <summary>
        /// A variable that held a live mapping of a map's earlier passes (<see cref="MapSite.EarlierPasses"/>) is given
        /// something else, and nothing else holds that mapping (flow captures, the graph's temporaries, aside): it is
        /// lost here. Noted (in the reporting pass) for the message of its leak, which names the first such write in the
        /// source rather than an exit the path reaches later.
        /// </summary>
        private void NoteOverwrite(object key, Binding overwritten, Binding? value, IOperation valueOperation, MappingState state)
        {
            switch (overwritten)
            {
                case ChoiceBinding choice:
                    foreach (var member in choice.Members)
                    {
                        Lost(member.Site);
                    }

                    break;
                case HandleBinding handle:
                    Lost(handle.Site);
                    break;
                case DerivedBinding number:
                    Lost(number.Site);
                    break;
            }

            void Lost(MapSite site)
            {
                if (!site.IsEarlierPasses || (value is not null && Mentions(value, site))
                    || !state.Sites.TryGetValue(site, out var status) || (status.Flags & SiteFlags.Live) == 0)
                {
                    return;
                }

                foreach (var other in state.Bindings)
                {
                    if (!(other.Key is CaptureId) && !Equals(other.Key, key) && Mentions(other.Value, site))
                    {
                        return;
                    }
                }

                var at = Overwriting(valueOperation);
                if (!_overwrites.TryGetValue(site, out var first) || IsEarlier(at, first))
                {
                    _overwrites[site] = at;
                }
            }

            static IOperation Overwriting(IOperation value)
            {
                for (var operation = value.Parent; operation is not null; operation = operation.Parent)
                {
                    switch (operation)
                    {
                        case IAssignmentOperation _:
                        case IVariableDeclaratorOperation _:
                            return operation;
                        case IConversionOperation _:
                        case IVariableInitializerOperation _:
                            continue;
                    }

                    break;
                }

                return value;
            }

            static bool IsEarlier(IOperation x, IOperation y) =>
                x.Syntax.SyntaxTree == y.Syntax.SyntaxTree && x.Syntax.SpanStart < y.Syntax.SpanStart;
        }

        // The write where each site of earlier passes was lost (the first in the source), for its message.
        private readonly Dictionary<MapSite, IOperation> _overwrites = new Dictionary<MapSite, IOperation>();

        /// <summary>
        /// A local given a value whose members were made with it — a tuple literal's elements, a
        /// record's positional arguments, an object initializer's members (held by the graph's
        /// capture of the new object): those members are now the local's.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private PersistentMap<object, Binding> MembersOfMade(ILocalSymbol local, IOperation value, PersistentMap<object, Binding> bindings, ref PersistentMap<object, long> constants, MappingState state)
        {
            if (_made.Count > 0 && _made.TryGetValue(value, out var members))
            {
                foreach (var member in members)
                {
                    var slot = new SlotKey(local, member.Key);
                    Held(slot);
                    bindings = bindings.SetItem(slot, member.Value);
                }

                _slotsHeld = true;
                if (local.Type.IsValueType)
                {
                    _valueOwners.Add(local);
                }
            }
            else if (value is IFlowCaptureReferenceOperation capture
                && CopySlots(capture.Id, local, state, ref bindings, ref constants, withConstants: local.Type.IsValueType)
                && local.Type.IsValueType && _withCopies.Contains(capture.Id))
            {
                // A struct copied `with` a member changed is still this body's value: passed on whole, it hands over what it holds.
                _valueOwners.Add(local);
            }

            return bindings;
        }

        /// <summary>
        /// Each member of <paramref name="from"/> that holds a mapping, or (<paramref name="withConstants"/>) a known integer,
        /// holds it as the same member of <paramref name="to"/> too. True when a mapping was copied.
        /// </summary>
        private bool CopySlots(object from, object to, MappingState state, ref PersistentMap<object, Binding> bindings, ref PersistentMap<object, long> constants, bool withConstants)
        {
            if (!_slotsUnder.TryGetValue(from, out var slots))
            {
                return false;
            }

            var copied = false;
            foreach (var slot in slots.ToArray())
            {
                if (!slot.Owner.Equals(from))
                {
                    continue;
                }

                var moved = new SlotKey(to, slot.Member);
                if (state.Bindings.TryGetValue(slot, out var held))
                {
                    Held(moved);
                    bindings = bindings.SetItem(moved, held);
                    copied = true;
                }

                if (withConstants && state.Constants.TryGetValue(slot, out var known))
                {
                    Held(moved);
                    constants = constants.SetItem(moved, known);
                }
            }

            return copied;
        }

        /// <summary>The local of this body that the value of <paramref name="operation"/> is assigned to or initialises, if it is.</summary>
        [MethodImpl(Jit.Optimized)]
        private ILocalSymbol? ReceivingLocal(IOperation operation)
        {
            var parent = operation.Parent;
            while (parent is IConversionOperation conversion && conversion.IsImplicit)
            {
                parent = parent.Parent;
            }

            var local = parent switch
            {
                ISimpleAssignmentOperation assignment when !assignment.IsRef && assignment.Target is ILocalReferenceOperation target => target.Local,
                IVariableInitializerOperation initializer when initializer.Parent is IVariableDeclaratorOperation declarator => declarator.Symbol,
                _ => null,
            };
            return local is not null && !local.IsRef && (_owner is null || SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, _owner)) ? local : null;
        }

        /// <summary>
        /// The operand of a <c>with</c> expression whose copy <paramref name="capture"/> holds, as the graph lowers it: a
        /// struct's operand captured as it is, a class record's <c>&lt;Clone&gt;$()</c> of it; null for any other capture.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private static IOperation? WithOperandOf(IFlowCaptureOperation capture)
        {
            var value = Keys.Unwrap(capture.Value);
            if (value is IInvocationOperation { Instance: { } instance } clone && clone.Arguments.IsEmpty && clone.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.WithExpressionSyntax)
            {
                return Keys.Unwrap(instance);
            }

            return value is ILocalReferenceOperation && value.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.WithExpressionSyntax with && with.Expression == value.Syntax ? value : null;
        }

        /// <summary>
        /// The copy a <c>with</c> makes of <paramref name="source"/> into <paramref name="copy"/>: each member of the source
        /// that holds a mapping or a known integer holds it in the copy too (until the initializer assigns it).
        /// </summary>
        private MappingState CopyMembers(MappingState state, ILocalSymbol source, CaptureId copy)
        {
            var bindings = state.Bindings;
            var constants = state.Constants;
            CopySlots(source, copy, state, ref bindings, ref constants, withConstants: true);
            _withCopies.Add(copy);
            _slotsHeld = true;
            return new MappingState(bindings, state.Sites, constants);
        }

        // The captures that hold a `with` expression's copy of a local's value (see CopyMembers).
        private readonly HashSet<CaptureId> _withCopies = new HashSet<CaptureId>();

        /// <summary>The tuple a deconstruction assigns to (<c>var (a, b)</c>, <c>(var a, var b)</c>, <c>(a, b)</c>).</summary>
        private static ITupleOperation? DeconstructedInto(IOperation target) =>
            target is IDeclarationExpressionOperation declaration ? declaration.Expression as ITupleOperation : target as ITupleOperation;

        /// <summary>A record's primary constructor: the property each parameter initialises (by the language, the one of its name).</summary>
        private ISymbol?[]? PositionalProperties(IMethodSymbol constructor)
        {
            if (_positional.TryGetValue(constructor, out var known))
            {
                return known;
            }

            ISymbol?[]? properties = null;
            var type = constructor.ContainingType;
            if (type.IsRecord && constructor.Parameters.Length > 0 && constructor.DeclaringSyntaxReferences.Length == 1
                && constructor.DeclaringSyntaxReferences[0].GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax)
            {
                properties = new ISymbol?[constructor.Parameters.Length];
                foreach (var parameter in constructor.Parameters)
                {
                    foreach (var member in type.GetMembers(parameter.Name))
                    {
                        if (member is IPropertySymbol property && SymbolEqualityComparer.Default.Equals(property.Type, parameter.Type))
                        {
                            properties[parameter.Ordinal] = property;
                        }
                    }
                }
            }

            else if (_summaries is not null && InCompilation(constructor))
            {
                // Any other constructor of the driver's: the members its own block sets from parameters, unchanged.
                properties = _summaries.MembersSetBy(constructor);
            }

            _positional[constructor] = properties;
            return properties;
        }

        private readonly Dictionary<IMethodSymbol, ISymbol?[]?> _positional = new Dictionary<IMethodSymbol, ISymbol?[]?>(SymbolEqualityComparer.Default);

        // The members of values made in this body (tuple literals, records), by the operation that made them, until a local receives them.
        private readonly Dictionary<IOperation, List<KeyValuePair<ISymbol, Binding>>> _made = new Dictionary<IOperation, List<KeyValuePair<ISymbol, Binding>>>();

        // Locals of value types (tuples, structs) whose members hold mappings this body still owns.
        private readonly HashSet<object> _valueOwners = new HashSet<object>();

        [MethodImpl(Jit.Optimized)]
        private void Assign(IOperation target, Binding? value, IOperation valueOperation, ref MappingState state)
        {
            // The graph captures an assignment's target ahead of a value that branches (x = c ? a : b):
            // the assignment is to what was captured, a variable or a member whose instance was evaluated then.
            var instanceEvaluated = false;
            if (target is IFlowCaptureReferenceOperation captureReference && _captured.TryGetValue(captureReference.Id, out var capturedTarget)
                && (capturedTarget is IMemberReferenceOperation || capturedTarget is IArrayElementReferenceOperation
                    || capturedTarget is ILocalReferenceOperation || capturedTarget is IParameterReferenceOperation))
            {
                target = capturedTarget;
                instanceEvaluated = true;
            }

            if (_slotsHeld && !(target is ILocalReferenceOperation || target is IParameterReferenceOperation || target is IFlowCaptureReferenceOperation)
                && KeyOf(Keys.Unwrap(valueOperation)) is { } storedObject)
            {
                // An object stored where others reach it (rq kept in an in-flight table) takes what its members hold with it, as passed on it would.
                HandOverSlots(storedObject, ref state);
            }

            switch (target)
            {
                case IParameterReferenceOperation parameter when parameter.Parameter.RefKind == RefKind.Out || parameter.Parameter.RefKind == RefKind.Ref:
                    // Written to the caller's variable: handed back as a return hands it (still the same
                    // unchecked address wherever this body uses it again).
                    Transfer(value, ref state, stored: true);
                    state = Bind(state, parameter.Parameter, value, valueOperation);
                    return;
                case ILocalReferenceOperation local when _owner is not null && !SymbolEqualityComparer.Default.Equals(local.Local.ContainingSymbol, _owner):
                    // A local of an enclosing body, captured by this lambda or local function: the
                    // enclosing body holds what is written to it.
                    Transfer(value, ref state, stored: true);
                    state = Bind(state, local.Local, value, valueOperation);
                    return;
                case ILocalReferenceOperation _:
                case IParameterReferenceOperation _:
                    state = Bind(state, Alias(Keys.Of(target)!), value, valueOperation);
                    return;
                case IFieldReferenceOperation field:
                    if (!instanceEvaluated)
                    {
                        Eval(field.Instance, ref state);
                    }

                    // A field of a struct local is this body's own storage: still owed here (released through it, or handed over with the whole struct).
                    var ownStruct = field.Instance is ILocalReferenceOperation structLocal && structLocal.Local.Type.IsValueType && !structLocal.Local.IsRef
                        && (_owner is null || SymbolEqualityComparer.Default.Equals(structLocal.Local.ContainingSymbol, _owner))
                        && (value is SiteBinding || value is ChoiceBinding);
                    StoreIntoMember(field.Field, value, valueOperation, ref state, keep: ownStruct);
                    if (ownStruct)
                    {
                        _valueOwners.Add(((ILocalReferenceOperation)field.Instance!).Local);
                    }

                    var fieldKey = KeyOf(field);
                    if (fieldKey is not null)
                    {
                        // Still followed in this body (an unmap here is checked against its map, a use
                        // against its check), but owned by the object.
                        _slotsHeld |= value is SiteBinding || value is ChoiceBinding;
                        state = Bind(state, fieldKey, OfAnyElement(fieldKey, value, state), valueOperation);
                    }

                    return;
                case IInvocationOperation call when RefFieldOf(call) is { } refField:
                    // Slot() = a, Slot() returning a field of this by ref: a store into that field.
                    foreach (var argument in call.Arguments)
                    {
                        Transfer(Eval(argument.Value, ref state), ref state);
                    }

                    StoreIntoMember(refField, value, valueOperation, ref state);
                    _slotsHeld |= value is SiteBinding || value is ChoiceBinding;
                    state = Bind(state, refField, value, valueOperation);
                    return;
                case IArrayElementReferenceOperation element:
                    if (!instanceEvaluated)
                    {
                        Eval(element.ArrayReference, ref state);
                        foreach (var index in element.Indices)
                        {
                            Eval(index, ref state);
                        }
                    }

                    if (ContainerKeyOf(element.ArrayReference) is { } array)
                    {
                        StoreElement(array, value, ref state);
                    }
                    else
                    {
                        Transfer(value, ref state, stored: true);
                    }

                    return;
                case IPropertyReferenceOperation property:
                    if (!instanceEvaluated)
                    {
                        Eval(property.Instance, ref state);
                        foreach (var argument in property.Arguments)
                        {
                            Eval(argument.Value, ref state);
                        }
                    }

                    StoreIntoMember(property.Property, value, valueOperation, ref state);
                    if (IsContainerIndexer(property) && ContainerKeyOf(property.Instance) is { } collection)
                    {
                        StoreElement(collection, value, ref state);
                        return;
                    }

                    if (Keys.SlotOf(property) is { } propertySlot)
                    {
                        _slotsHeld |= value is SiteBinding || value is ChoiceBinding;
                        state = Bind(state, propertySlot, OfAnyElement(propertySlot, value, state), valueOperation);
                    }

                    return;
                default:
                    if (!instanceEvaluated)
                    {
                        foreach (var child in target.ChildOperations)
                        {
                            Eval(child, ref state);
                        }
                    }

                    Transfer(value, ref state, stored: true);
                    return;
            }
        }

        [MethodImpl(Jit.Optimized)]
        private void StoreIntoMember(ISymbol member, Binding? value, IOperation valueOperation, ref MappingState state, bool keep = false)
        {
            if (value is null)
            {
                return;
            }

            if (_symbols.IsBusSinkMember(member))
            {
                DeviceUse(value, valueOperation, state);
                MarkPosted(value, ref state);
            }

            if (!keep)
            {
                Transfer(value, ref state, stored: true);
            }
        }

        /// <summary>The handle (or an address derived from it) reaches a device-visible sink.</summary>
        [MethodImpl(Jit.Optimized)]
        private void DeviceUse(Binding value, IOperation at, MappingState state)
        {
            if (value is ChoiceBinding choice)
            {
                foreach (var member in choice.Members)
                {
                    if (!member.Stuck && state.Sites.TryGetValue(member.Site, out var memberStatus))
                    {
                        if (!choice.Derived)
                        {
                            CheckChecked(member.Site, AsUsed(member, memberStatus), at);
                        }

                        CheckNotReleased(member.Site, memberStatus, at);
                    }
                }

                return;
            }

            if (!(value is HandleBinding || value is DerivedBinding))
            {
                return;
            }

            var site = ((SiteBinding)value).Site;
            if (!state.Sites.TryGetValue(site, out var status))
            {
                return;
            }

            if (site.Kind == MappingKind.Streaming && (status.Flags & (SiteFlags.Unchecked | SiteFlags.Failed)) != 0)
            {
                // A callee's summary: this parameter's mapping reaches a device unchecked (DMA003 at its callers).
                _recording?.ReachedDevice(site);
            }

            if (value is HandleBinding)
            {
                // A derived value was already reported where .Value was read.
                CheckChecked(site, AsUsed((HandleBinding)value, status), at);
            }

            CheckNotReleased(site, status, at);
        }

        [MethodImpl(Jit.Optimized)]
        private void CheckChecked(MapSite site, SiteStatus status, IOperation at)
        {
            if (site.Kind != MappingKind.Streaming || (status.Flags & (SiteFlags.Unchecked | SiteFlags.Failed)) == 0)
            {
                return;
            }

            _recording?.Used(site);

            var why = (status.Flags & SiteFlags.Unchecked) != 0
                ? "the mapping-error check was not made"
                : "the mapping-error check reported a failure that was ignored";
            Report(Diagnostic.Create(Descriptors.DMA003, at.Syntax.GetLocation(), new[] { site.Call.Syntax.GetLocation() }, why));
        }

        [MethodImpl(Jit.Optimized)]
        private void CheckNotReleased(MapSite site, SiteStatus status, IOperation at, bool releasing = false)
        {
            if (status.MustBeReleased || (releasing && (status.Flags & SiteFlags.Released) != 0 && ReleaseFallsThroughTo(site, at)))
            {
                var what = site.Kind == MappingKind.Coherent ? "coherent buffer" : site.Kind == MappingKind.ScatterGather ? "scatter-gather mapping" : "mapped address";
                Report(Diagnostic.Create(Descriptors.DMA006, at.Syntax.GetLocation(), new[] { site.Call.Syntax.GetLocation() }, what));
            }
        }

        /// <summary>
        /// A handle this body did not map — a field of this object, a parameter, a local read from
        /// elsewhere — released here: from here on the variable names a released mapping (a site of
        /// its own, made at the release), so a use of it or a second release is DMA006 like a mapping
        /// made here. Only the variable itself is followed (not elements, not members of other
        /// objects), until it is assigned again; a field is forgotten at a call that may assign it (the
        /// driver's own code on this object). Not done while summarising a callee.
        /// </summary>
        private void ReleasedFromElsewhere(IInvocationOperation release, DmaRole roles, IArgumentOperation handleArgument, ref MappingState state)
        {
            var argument = Keys.Unwrap(handleArgument.Value);
            if (_recording is not null || !(KeyOf(argument) is ISymbol key) || !(key is IFieldSymbol || key is IParameterSymbol || key is ILocalSymbol)
                || state.Bindings.TryGetValue(key, out _)
                || ((roles & DmaRole.Unmap) != 0 && !_symbols.IsBusAddressType(argument.Type)))
            {
                return;
            }

            var site = SiteFor(release, (roles & DmaRole.CoherentFree) != 0 ? MappingKind.Coherent : MappingKind.Streaming, null, null, null);
            _releasedElsewhere.Add(site);
            if (key is IFieldSymbol field)
            {
                _releasedFields.Add(field);
            }

            NoteRelease(site, handleArgument.Value);
            state = state.WithSite(site, new SiteStatus(SiteFlags.Released, null, null));
            state = state.WithBindings(state.Bindings.SetItem(key, new HandleBinding(site)));
        }

        /// <summary>The driver's own code run on this object may map a field released here again: the release no longer says what it holds.</summary>
        private void ForgetReleasedFields(IMethodSymbol method, IOperation? instance, ref MappingState state)
        {
            var onThis = instance is IInstanceReferenceOperation;
            if (!onThis && instance is not null)
            {
                return;
            }

            foreach (var field in _releasedFields)
            {
                if ((onThis || SymbolEqualityComparer.Default.Equals(method.ContainingType, field.ContainingType))
                    && state.Bindings.TryGetValue(field, out var held) && held is HandleBinding released && _releasedElsewhere.Contains(released.Site))
                {
                    state = state.WithBindings(state.Bindings.Remove(field));
                }
            }
        }

        /// <summary>
        /// The device was given the mapping's address (a descriptor written, a bus-address sink called):
        /// that hands the mapping over (the completion releases it) — unless this body releases it itself
        /// after the post before every <c>return</c> (a synchronous driver: post, wait, unmap), in which
        /// case it never was handed over, and a <c>throw</c> after the post leaks it (see <see cref="AtExit"/>).
        /// </summary>
        private void MarkPosted(Binding value, ref MappingState state)
        {
            if (_recording is null && value is SiteBinding posted && (posted is HandleBinding || posted is DerivedBinding)
                && posted.Site.Kind == MappingKind.Streaming && state.Sites.TryGetValue(posted.Site, out var status) && (status.Flags & SiteFlags.Posted) == 0)
            {
                if (!_postedSet.Contains(posted.Site))
                {
                    _postedSet.Add(posted.Site);
                    _posted.Add(posted.Site);
                }

                state = state.WithSite(posted.Site, status.With(SiteFlags.Posted, SiteFlags.None));
            }
        }

        private void NoteTakenBack(MapSite site, SiteStatus status)
        {
            if ((status.Flags & SiteFlags.Posted) != 0)
            {
                _takenBack.Add(site);
            }
        }

        /// <summary>At an exit: how each posted mapping leaves (see <see cref="MarkPosted"/>).</summary>
        private void PostedAtExit(MappingState state, ExitKind kind, IOperation? exitOperation)
        {
            // Only the sites whose status changed since the last exit of this kind: an unchanged status gives what it
            // gave there (a set already holds the site, or a throw was already recorded), so N exits past N posted
            // mappings cost what changed between them, not their product.
            var changed = _postedHere;
            changed.Clear();
            state.Sites.KeysNotIn(kind == ExitKind.Return ? _postedSeenAtReturn : _postedSeenAtThrow, changed);
            if (kind == ExitKind.Return)
            {
                _postedSeenAtReturn = state.Sites;
            }
            else
            {
                _postedSeenAtThrow = state.Sites;
            }

            foreach (var site in changed)
            {
                if (!_postedSet.Contains(site) || !state.Sites.TryGetValue(site, out var status) || (status.Flags & SiteFlags.Posted) == 0)
                {
                    continue;
                }

                if (kind == ExitKind.Return)
                {
                    if (!status.MustBeReleased)
                    {
                        _leftPosted.Add(site);
                    }
                }
                else if ((status.Flags & (SiteFlags.Released | SiteFlags.Live)) == 0 && !_postedAtThrow.ContainsKey(site))
                {
                    _postedAtThrow[site] = exitOperation;
                }
            }
        }

        // The site statuses of the last return and the last throw PostedAtExit saw, and a list it reuses.
        private PersistentMap<MapSite, SiteStatus> _postedSeenAtReturn = PersistentMap<MapSite, SiteStatus>.Empty;
        private PersistentMap<MapSite, SiteStatus> _postedSeenAtThrow = PersistentMap<MapSite, SiteStatus>.Empty;
        private readonly List<MapSite> _postedHere = new List<MapSite>();

        /// <summary>
        /// A map inside a loop is one site for all its passes. A release of it where this pass's mapping
        /// may have failed releases an earlier pass's (read back from where it was kept): an unwind. In a
        /// loop of its own (one that does not hold the map), it may release every earlier pass's; in
        /// straight-line code of the map's loop, one (<c>Unmap(_addrs[i - 1])</c>), so the others leak at
        /// the exit that follows (see <see cref="UnwindAtExit"/>). A release where this pass's mapping is
        /// good releases the pass's own: nothing accumulates over the passes.
        /// </summary>
        private void NoteUnwind(MapSite site, SiteStatus status, IOperation at)
        {
            if (_recording is not null || site.Kind != MappingKind.Streaming || site.IsEarlierPasses || !(LoopAround(site.Call.Syntax) is { } mapLoop))
            {
                // (The site of a map's earlier passes is followed through the variables holding it: no unwind to weigh.)
                return;
            }

            if ((status.Flags & SiteFlags.Failed) == 0)
            {
                _releasedOnItsPass.Add(site);
                return;
            }

            var releaseLoop = LoopAround(at.Syntax);
            if (releaseLoop == mapLoop)
            {
                if (!_partialUnwinds.Contains(site))
                {
                    _partialUnwinds.Add(site);
                }
            }
            else if (releaseLoop is not null && !releaseLoop.Span.Contains(site.Call.Syntax.Span))
            {
                _loopUnwinds.Add(site);
            }
        }

        /// <summary>At an exit inside a map's loop where this pass's mapping failed, after a partial unwind: the earlier passes' leak.</summary>
        private void UnwindAtExit(MappingState state, ExitKind kind, IOperation? exitOperation)
        {
            if (exitOperation is null)
            {
                return;
            }

            foreach (var site in _partialUnwinds)
            {
                // This pass's mapping failed (and the unwind may have released what it read back since).
                if (!_unwindExits.ContainsKey(site) && state.Sites.TryGetValue(site, out var status)
                    && (status.Flags & (SiteFlags.Failed | SiteFlags.Released)) != 0 && (status.Flags & SiteFlags.Live) == 0
                    && LoopAround(site.Call.Syntax) is { } loop && loop.Span.Contains(exitOperation.Syntax.Span))
                {
                    _unwindExits[site] = (exitOperation, kind);
                }
            }
        }

        /// <summary>The innermost loop statement around <paramref name="node"/> in its member (a lambda or local function ends the search).</summary>
        private static SyntaxNode? LoopAround(SyntaxNode node)
        {
            for (var n = node.Parent; n is not null; n = n.Parent)
            {
                switch (n)
                {
                    case Microsoft.CodeAnalysis.CSharp.Syntax.WhileStatementSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.DoStatementSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.ForStatementSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.CommonForEachStatementSyntax _:
                        return n;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.AnonymousFunctionExpressionSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax _:
                        return null;
                }
            }

            return null;
        }

        /// <summary>
        /// Said on a DMA002 for the earlier passes' mappings of a loop's map (a partial unwind): what to release
        /// is every earlier pass's, which the release fix, writing one unmap of the handle, cannot give.
        /// </summary>
        internal const string EarlierPassesProperty = "EarlierPasses";

        private static readonly System.Collections.Immutable.ImmutableDictionary<string, string?> EarlierPassesProperties =
            System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty.Add(EarlierPassesProperty, "true");

        private readonly HashSet<MapSite> _earlierPasses = new HashSet<MapSite>();

        // The one map site whose mappings a container (by its storage) was given.
        private readonly Dictionary<object, MapSite> _keptIn = new Dictionary<object, MapSite>();

        // Loop maps released by a partial unwind (in the order seen), by an unwind loop, on their own pass; the exit each partial unwind reaches.
        private readonly List<MapSite> _partialUnwinds = new List<MapSite>();
        private readonly HashSet<MapSite> _loopUnwinds = new HashSet<MapSite>();
        private readonly HashSet<MapSite> _releasedOnItsPass = new HashSet<MapSite>();
        private readonly Dictionary<MapSite, (IOperation Exit, ExitKind Kind)> _unwindExits = new Dictionary<MapSite, (IOperation, ExitKind)>();

        // Mappings given to the device here (in the order first posted), those released after a post, those still posted at a return, and a throw each reaches posted.
        private readonly List<MapSite> _posted = new List<MapSite>();
        private readonly HashSet<MapSite> _postedSet = new HashSet<MapSite>();
        private readonly HashSet<MapSite> _takenBack = new HashSet<MapSite>();
        private readonly HashSet<MapSite> _leftPosted = new HashSet<MapSite>();
        private readonly Dictionary<MapSite, IOperation?> _postedAtThrow = new Dictionary<MapSite, IOperation?>();

        // Sites made at the release of a handle mapped elsewhere, and the fields they were read from.
        private readonly HashSet<MapSite> _releasedElsewhere = new HashSet<MapSite>();
        private readonly List<IFieldSymbol> _releasedFields = new List<IFieldSymbol>();

        /// <summary>
        /// Released on some path reaching <paramref name="at"/>, not all: a defect on that path when one
        /// of the site's releases falls through to <paramref name="at"/> with no decision in between
        /// (see <see cref="FollowsUnconditionally"/>), not when <paramref name="at"/> has a condition of its own.
        /// </summary>
        private bool ReleaseFallsThroughTo(MapSite site, IOperation at)
        {
            if (!_releases.TryGetValue(site, out var releases))
            {
                return false;
            }

            foreach (var release in releases)
            {
                // A jump in between that the same handle's release falls through to first (if (n < 0) { Unmap(a); return; })
                // releases it twice on that path too: it does not stop the fall-through.
                if (release != at.Syntax && FollowsUnconditionally.Holds(release, at.Syntax, jump => ReleasedBefore(releases, release, jump)))
                {
                    return true;
                }
            }

            return false;

            static bool ReleasedBefore(List<SyntaxNode> releases, SyntaxNode first, SyntaxNode jump)
            {
                foreach (var again in releases)
                {
                    if (again != first && FollowsUnconditionally.AlwaysPrecedes(again, jump))
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        // Where each site was released through a handle that names it alone (not an element of a container holding several).
        private readonly Dictionary<MapSite, List<SyntaxNode>> _releases = new Dictionary<MapSite, List<SyntaxNode>>();

        private void NoteRelease(MapSite site, IOperation at)
        {
            if (!_releases.TryGetValue(site, out var releases))
            {
                _releases[site] = releases = new List<SyntaxNode>();
            }

            if (!releases.Contains(at.Syntax))
            {
                releases.Add(at.Syntax);
            }
        }

        /// <summary>
        /// Ownership leaves this body with the value: no release is owed here any more. Returned or
        /// passed on, the receiver checks it too; stored (<paramref name="stored"/>), it is still the
        /// same unchecked address wherever this body uses it again.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private void Transfer(Binding? value, ref MappingState state, bool stored = false)
        {
            var clear = stored ? SiteFlags.Live : SiteFlags.Live | SiteFlags.Unchecked;
            if (value is HandleBinding || (value is DerivedBinding derived && derived.Site.Kind == MappingKind.Streaming))
            {
                _recording?.Touched(((SiteBinding)value).Site, stored);
                state = Update(state, ((SiteBinding)value).Site, SiteFlags.None, clear);
            }
            else if (value is ContentsBinding contents)
            {
                // Every handle the container may hold goes with it.
                foreach (var site in contents.Sites)
                {
                    _recording?.Touched(site, stored);
                    state = Update(state, site, SiteFlags.None, clear);
                }
            }
            else if (value is ChoiceBinding choice)
            {
                // Whichever mapping the value holds on each path goes with it.
                foreach (var member in choice.Members)
                {
                    if (!member.Stuck)
                    {
                        _recording?.Touched(member.Site, stored);
                        state = Update(state, member.Site, SiteFlags.None, clear);
                    }
                }
            }
        }

        [MethodImpl(Jit.Optimized)]
        private Binding? MemberAccess(IOperation operation, ISymbol member, IOperation? instance, ref MappingState state)
        {
            var instanceValue = Eval(instance, ref state);
            // DMA005 needs a buffer the device owns; only then is the member's role looked up (most
            // member reads in a driver are of its own fields, whose roles would otherwise fill the cache).
            if (Keys.Of(instance) is { } bufferKey && _ownedBuffers.TryGetValue(bufferKey, out var mapped) && (_symbols.RolesOf(member) & DmaRole.CpuAccess) != 0)
            {
                CheckCpuAccess(mapped, operation, state);
            }

            if (instanceValue is ChoiceBinding choice && !choice.Derived)
            {
                var busMember = _symbols.IsBusAddressType(member.ContainingType);
                foreach (var choiceMember in choice.Members)
                {
                    if (choiceMember.Stuck || !state.Sites.TryGetValue(choiceMember.Site, out var memberStatus))
                    {
                        continue;
                    }

                    if (choiceMember.Site.Kind == MappingKind.Coherent)
                    {
                        CheckNotReleased(choiceMember.Site, memberStatus, operation);
                    }
                    else if (choiceMember.Site.Kind == MappingKind.Streaming && busMember)
                    {
                        CheckChecked(choiceMember.Site, AsUsed(choiceMember, memberStatus), operation);
                    }
                }

                return busMember && AllStreaming(choice) ? choice.AsDerived() : null;
            }

            if (!(instanceValue is HandleBinding handle) || !state.Sites.TryGetValue(handle.Site, out var status))
            {
                return null;
            }

            if (handle.Site.Kind == MappingKind.Coherent)
            {
                CheckNotReleased(handle.Site, status, operation);
                return null;
            }

            if (handle.Site.Kind == MappingKind.Streaming && _symbols.IsBusAddressType(member.ContainingType))
            {
                // addr.Value: the number of an unchecked mapping is about to go somewhere.
                CheckChecked(handle.Site, AsUsed(handle, status), operation);
                return new DerivedBinding(handle.Site);
            }

            return null;
        }

        [MethodImpl(Jit.Optimized)]
        private void CheckCpuAccess(List<MapSite> mapped, IOperation at, MappingState state)
        {
            bool? writes = null;
            foreach (var site in mapped)
            {
                if (!state.Sites.TryGetValue(site, out var status))
                {
                    continue;
                }

                if ((status.Flags & SiteFlags.DeviceOwned) != 0)
                {
                    var direction = status.Direction == FromDevice ? "FromDevice" : "Bidirectional";
                    if (FirstInStatement(at, site))
                    {
                        Report(Diagnostic.Create(Descriptors.DMA005, at.Syntax.GetLocation(), new[] { site.Call.Syntax.GetLocation() }, direction,
                            "sync it for the CPU or unmap it before touching its contents"));
                    }

                    return;
                }

                if (status.Direction == ToDevice && (writes ??= CpuWrites.IsWrite(at, _model)))
                {
                    _writtenToDevice.Add(site);
                    if ((status.Flags & SiteFlags.DeviceReads) != 0)
                    {
                        if (!FirstInStatement(at, site))
                        {
                            return;
                        }

                        Report(Diagnostic.Create(Descriptors.DMA005, at.Syntax.GetLocation(), new[] { site.Call.Syntax.GetLocation() }, "ToDevice",
                            "a CPU write now is not what the device reads (a bounce buffer was filled at the map): write before the map, or sync it for the CPU, write, and sync it for the device"));
                        return;
                    }
                }
            }
        }

        /// <summary>
        /// Is this the statement's first CPU access to the buffer of <paramref name="site"/> that is reported (asked only while
        /// reporting, so that the passes before it leave nothing behind): the others in the statement are the same defect.
        /// </summary>
        private bool FirstInStatement(IOperation at, MapSite site)
        {
            if (!_reporting)
            {
                return true;
            }

            var statement = at.Syntax.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax>() ?? at.Syntax;
            return _cpuAccessReported.Add((statement, site)) || _reported.Contains((Descriptors.DMA005.Id, at.Syntax.GetLocation()));
        }

        /// <summary>
        /// A lambda that assigns a map's (or coherent alloc's) result to a local of this body: this body
        /// holds that mapping (the lambda's own analysis hands it over), followed from where the lambda
        /// is made, as if it ran there.
        /// </summary>
        private void MapsIntoCaptured(IOperation lambda, ref MappingState state)
        {
            var symbol = (lambda as IFlowAnonymousFunctionOperation)?.Symbol ?? (lambda as IAnonymousFunctionOperation)?.Symbol;
            var body = lambda is IAnonymousFunctionOperation tree
                ? tree.Body
                : symbol?.DeclaringSyntaxReferences.Length == 1 && (lambda.SemanticModel ?? _model) is { } model && model.SyntaxTree == symbol.DeclaringSyntaxReferences[0].SyntaxTree
                    ? (Rules.DeepStack.Operation(model, symbol.DeclaringSyntaxReferences[0].GetSyntax()) as IAnonymousFunctionOperation)?.Body
                    : null;
            if (body is null || symbol is null)
            {
                return;
            }

            foreach (var node in body.Descendants())
            {
                if (node is ISimpleAssignmentOperation assignment && !assignment.IsRef
                    && assignment.Target is ILocalReferenceOperation local && !SymbolEqualityComparer.Default.Equals(local.Local.ContainingSymbol, symbol)
                    && Keys.Unwrap(assignment.Value) is IInvocationOperation call
                    && (_symbols.RolesOf(call.TargetMethod) & (DmaRole.Map | DmaRole.CoherentAlloc)) != 0)
                {
                    var roles = _symbols.RolesOf(call.TargetMethod);
                    var made = (roles & DmaRole.Map) != 0 ? Map(call, roles, ref state) : Coherent(call, ref state);
                    if (made is not null)
                    {
                        state = Bind(state, local.Local, made, assignment.Value);
                    }
                }
            }
        }

        // A ref local and the variable it refers to (ref var r = ref a): what is written through it is a's.
        private readonly Dictionary<ILocalSymbol, object> _refAliases = new Dictionary<ILocalSymbol, object>(SymbolEqualityComparer.Default);

        /// <summary>The ref local <paramref name="local"/> now refers to <paramref name="referent"/>: a variable the analysis follows, or (an array element, a field of another object) something it does not, when the ref local is followed as a variable of its own.</summary>
        private void RefersTo(ILocalSymbol local, IOperation referent)
        {
            if (Keys.Of(referent) is { } key && !(key is CaptureId))
            {
                _refAliases[local] = Alias(key);
            }
            else
            {
                _refAliases.Remove(local);
            }
        }

        [MethodImpl(Jit.Optimized)]
        private object Alias(object key) =>
            _refAliases.Count > 0 && key is ILocalSymbol local && _refAliases.TryGetValue(local, out var target) ? target : key;

        /// <summary>Every buffer the device may own is given back to the CPU (a sync or unmap of a handle not followed).</summary>
        [MethodImpl(Jit.Optimized)]
        private void GiveBackAll(ref MappingState state)
        {
            foreach (var sites in _ownedBuffers.Values)
            {
                foreach (var site in sites)
                {
                    state = Update(state, site, SiteFlags.None, SiteFlags.DeviceAccess);
                }
            }
        }

        /// <summary>Every handle still owed a release or a check is handed over (to a lambda or local function that may capture it).</summary>
        [MethodImpl(Jit.Optimized)]
        private void HandOverAll(ref MappingState state)
        {
            foreach (var entry in state.Sites)
            {
                if ((entry.Value.Flags & MappingState.OwingFlags) != 0)
                {
                    _recording?.Touched(entry.Key);
                    state = Update(state, entry.Key, SiteFlags.None, SiteFlags.Live | SiteFlags.Unchecked);
                }
            }
        }

        [MethodImpl(Jit.Optimized)]
        private Binding? Invocation(IInvocationOperation invocation, ref MappingState state)
        {
            var method = invocation.TargetMethod;
            var roles = _symbols.RolesOf(method);
            if (NullableValue(invocation) is { } nullable)
            {
                // a.GetValueOrDefault() of a nullable handle is the handle (as the graph lowers ??).
                return Eval(nullable, ref state);
            }

            if ((roles & (DmaRole.Map | DmaRole.CoherentAlloc | DmaRole.Unmap | DmaRole.CoherentFree | DmaRole.SyncForCpu | DmaRole.SyncForDevice | DmaRole.MappingErrorCheck)) == 0
                && RefFieldOf(invocation) is { } refField)
            {
                // Slot() of a ref-returning method that returns this object's field: a read of the field.
                foreach (var argument in invocation.Arguments)
                {
                    Transfer(Eval(argument.Value, ref state), ref state);
                }

                return state.Bindings.TryGetValue(refField, out var inField) ? inField : null;
            }

            if ((roles & (DmaRole.Map | DmaRole.CoherentAlloc | DmaRole.Unmap | DmaRole.CoherentFree | DmaRole.SyncForCpu | DmaRole.SyncForDevice | DmaRole.MappingErrorCheck)) == 0
                && !InCompilation(method) && (invocation.Instance ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null)) is { } sequence
                && MayBeLazy(sequence, state, depth: 0))
            {
                return LazyCall(invocation, ref state);
            }

            if ((roles & (DmaRole.Map | DmaRole.CoherentAlloc | DmaRole.Unmap | DmaRole.CoherentFree | DmaRole.SyncForCpu | DmaRole.SyncForDevice | DmaRole.MappingErrorCheck)) == 0)
            {
                var receiver = Eval(invocation.Instance, ref state);
                if (receiver is HandleBinding { Site.Kind: MappingKind.ScatterGather } list && !InCompilation(method)
                    && _symbols.IsBusAddressType(method.ReturnType) && state.Sites.TryGetValue(list.Site, out var listStatus))
                {
                    // sg.DmaAddress(i): a bus address of the list's mapping, which names nothing once the list is unmapped.
                    foreach (var argument in invocation.Arguments)
                    {
                        Eval(argument.Value, ref state);
                    }

                    CheckNotReleased(list.Site, listStatus, invocation);
                    if (FromParameter(invocation.Instance) && GivenToDevice(invocation))
                    {
                        // The caller's list, its address written into the ring: the list goes with the request to the completion.
                        state = Update(state, list.Site, SiteFlags.ListPosted, SiteFlags.None);
                    }

                    return null;
                }

                if (method.MethodKind == MethodKind.LocalFunction)
                {
                    // A local function may release what it captures; like a lambda, it takes everything over.
                    foreach (var argument in invocation.Arguments)
                    {
                        Eval(argument.Value, ref state);
                    }

                    HandOverAll(ref state);

                    MappingSummary? localSummary = null;
                    return MadeByCall(invocation, null, ref localSummary, ref state);
                }

                if (ContainerCall(invocation, ref state, out var element))
                {
                    return element;
                }

                MappingSummary? summary = null;
                var byOrdinal = _summaries is not null && InCompilation(method) ? new Binding?[method.Parameters.Length] : null;
                PassArguments(method, invocation.Arguments, ref state, byOrdinal, ref summary);
                ReachedByCall(method, invocation.Instance, invocation.Arguments, ref state);

                if (method.MethodKind == MethodKind.DelegateInvoke && ((receiver as MakerBinding)?.Made ?? FieldMaker(invocation.Instance)) is { } madeByLambda)
                {
                    // A delegate that runs a lambda returning a fresh mapping: the mapping is made here.
                    return Made(invocation, madeByLambda, invocation, ref state);
                }

                return byOrdinal is null ? LazyMade(invocation) : MadeByCall(invocation, byOrdinal, ref summary, ref state);
            }

            Eval(invocation.Instance, ref state);
            var values = new Binding?[invocation.Arguments.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Eval(invocation.Arguments[i].Value, ref state);
            }

            if ((roles & DmaRole.Map) != 0)
            {
                return Map(invocation, roles, ref state);
            }

            if ((roles & DmaRole.CoherentAlloc) != 0)
            {
                return Coherent(invocation, ref state);
            }

            var bound = HandleArgument(invocation, state, out var handleArgument, values);
            var handle = bound as HandleBinding;
            if ((roles & DmaRole.MappingErrorCheck) != 0)
            {
                return CheckOf(bound);
            }

            if (bound is ContentsBinding several)
            {
                // An element of a container that holds several of this body's handles: which one is not
                // known, so nothing is reported; each may be released (never must: DMA006 stays quiet),
                // and each buffer may be the CPU's again.
                foreach (var site in several.Sites)
                {
                    state = (roles & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0
                        ? Update(state, site, SiteFlags.Released, SiteFlags.Live | SiteFlags.DeviceAccess)
                        : (roles & DmaRole.SyncForCpu) != 0 ? Update(state, site, SiteFlags.None, SiteFlags.DeviceAccess) : state;
                }

                return null;
            }

            if (bound is ChoiceBinding choice && !choice.Derived)
            {
                // Through a variable that holds one of several mappings: a release releases whichever it
                // holds on each path, and is compared with each (DMA004), and whichever it holds is
                // released afterwards (DMA006); a sync of an unchecked one is a use.
                foreach (var member in choice.Members)
                {
                    if (member.Stuck || !state.Sites.TryGetValue(member.Site, out var memberStatus))
                    {
                        continue;
                    }

                    if (handleArgument is not null)
                    {
                        CheckNotReleased(member.Site, memberStatus, handleArgument.Value, releasing: (roles & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0);
                        if ((roles & DmaRole.CoherentFree) == 0 && !memberStatus.MustBeReleased)
                        {
                            CompareWithMap(invocation, member.Site, memberStatus, state, isSync: (roles & DmaRole.Unmap) == 0, forCpu: (roles & DmaRole.SyncForCpu) != 0);
                        }
                    }

                    if ((roles & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0)
                    {
                        if (handleArgument is not null)
                        {
                            NoteRelease(member.Site, handleArgument.Value);
                        }

                        state = Update(state, member.Site, SiteFlags.Released, SiteFlags.NotReleased | SiteFlags.Live | SiteFlags.DeviceAccess | SiteFlags.Unchecked | SiteFlags.Failed);
                    }
                    else
                    {
                        if (handleArgument is not null)
                        {
                            CheckChecked(member.Site, AsUsed(member, memberStatus), handleArgument.Value);
                        }

                        if ((roles & DmaRole.SyncForCpu) != 0)
                        {
                            // Whichever buffer it holds is given back to the CPU (DMA005 may not report either).
                            state = Update(state, member.Site, SiteFlags.None, SiteFlags.DeviceAccess);
                        }
                        else if ((roles & DmaRole.SyncForDevice) != 0 && MapsOneBuffer(choice))
                        {
                            // Every mapping it may hold maps the same buffer: whichever it is, that buffer is the device's again.
                            state = Update(state, member.Site, DeviceFlags(memberStatus.Direction), SiteFlags.None);
                        }
                    }
                }

                return null;
            }

            if (handle is null || handleArgument is null || !state.Sites.TryGetValue(handle.Site, out var status))
            {
                // A derived address (an offset into a mapping) synced or unmapped: check what can be checked.
                if (handleArgument is not null && values[invocation.Arguments.IndexOf(handleArgument)] is DerivedBinding derived
                    && state.Sites.TryGetValue(derived.Site, out var derivedStatus))
                {
                    CheckChecked(derived.Site, derivedStatus, handleArgument.Value);
                    CheckNotReleased(derived.Site, derivedStatus, handleArgument.Value);
                    if ((roles & (DmaRole.SyncForCpu | DmaRole.Unmap)) != 0)
                    {
                        state = Update(state, derived.Site, SiteFlags.None, SiteFlags.DeviceAccess);
                    }
                }
                else if ((roles & (DmaRole.SyncForCpu | DmaRole.Unmap)) != 0 && handle is null && handleArgument is not null
                    && !(KeyOf(NullableValue(Keys.Unwrap(handleArgument.Value)) ?? Keys.Unwrap(handleArgument.Value)) is IParameterSymbol))
                {
                    // A handle the analysis does not follow (read back from an array, a collection,
                    // another object, a helper's result): the mapping synced for the CPU or unmapped
                    // may be any the device owns, so none is reported by DMA005 afterwards. (A
                    // parameter holds none of this body's mappings.)
                    GiveBackAll(ref state);
                }

                if ((roles & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0 && bound is null && handleArgument is not null)
                {
                    ReleasedFromElsewhere(invocation, roles, handleArgument, ref state);
                    if (Keys.Unwrap(handleArgument.Value) is IArrayElementReferenceOperation element && ContainerKeyOf(element.ArrayReference) is { } container
                        && _keptIn.TryGetValue(container, out var kept) && state.Sites.TryGetValue(kept, out var keptStatus))
                    {
                        // An earlier pass's mapping read back from where the map's loop keeps them (the pass's own is no longer followed there).
                        NoteUnwind(kept, keptStatus, handleArgument.Value);
                    }
                }

                return null;
            }

            var site0 = handle.Site;
            if ((roles & (DmaRole.Unmap | DmaRole.CoherentFree)) != 0)
            {
                CheckNotReleased(site0, status, handleArgument.Value, releasing: true);
                if ((roles & DmaRole.Unmap) != 0 && !status.MustBeReleased)
                {
                    CompareWithMap(invocation, site0, status, state, isSync: false);
                }

                NoteRelease(site0, handleArgument.Value);
                NoteTakenBack(site0, status);
                NoteUnwind(site0, status, handleArgument.Value);
                state = Update(state, site0, SiteFlags.Released, SiteFlags.NotReleased | SiteFlags.Live | SiteFlags.DeviceAccess | SiteFlags.Unchecked | SiteFlags.Failed);
                return null;
            }

            // Sync for CPU or device.
            CheckChecked(site0, AsUsed(handle, status), handleArgument.Value);
            CheckNotReleased(site0, status, handleArgument.Value);
            if (!status.MustBeReleased)
            {
                CompareWithMap(invocation, site0, status, state, isSync: true, forCpu: (roles & DmaRole.SyncForCpu) != 0);
            }

            if ((roles & DmaRole.SyncForCpu) != 0)
            {
                state = Update(state, site0, SiteFlags.None, SiteFlags.DeviceAccess);
            }
            else
            {
                state = Update(state, site0, DeviceFlags(status.Direction), SiteFlags.None);
            }

            return null;
        }

        /// <summary>What the device has of a buffer handed to it by a sync for the device, by the mapping's direction (none when not known).</summary>
        private static SiteFlags DeviceFlags(long? direction) =>
            direction == FromDevice || direction == Bidirectional ? SiteFlags.DeviceOwned : direction == ToDevice ? SiteFlags.DeviceReads : SiteFlags.None;

        /// <summary>Every mapping a choice may hold (not those it is stuck on) maps the same buffer variable.</summary>
        private static bool MapsOneBuffer(ChoiceBinding choice)
        {
            object? buffer = null;
            foreach (var member in choice.Members)
            {
                if (member.Stuck)
                {
                    continue;
                }

                if (member.Site.BufferKey is null || (buffer is not null && !Equals(buffer, member.Site.BufferKey)))
                {
                    return false;
                }

                buffer = member.Site.BufferKey;
            }

            return buffer is not null;
        }

        [MethodImpl(Jit.Optimized)]
        private Binding Coherent(IInvocationOperation invocation, ref MappingState state)
        {
            var site = SiteFor(invocation, MappingKind.Coherent, null, null, null);
            state = Remade(site, state);
            state = state.WithSite(site, new SiteStatus(SiteFlags.Live | SiteFlags.NotReleased, null, null));
            return new HandleBinding(site);
        }

        [MethodImpl(Jit.Optimized)]
        private Binding? Map(IInvocationOperation invocation, DmaRole roles, ref MappingState state)
        {
            var method = invocation.TargetMethod;
            var returnsHandle = _symbols.IsBusAddressType(method.ReturnType);
            IOperation? length = null;
            IOperation? direction = null;
            ITypeSymbol? directionType = null;
            IArgumentOperation? first = null;
            foreach (var argument in invocation.Arguments)
            {
                var parameter = argument.Parameter;
                if (parameter is null)
                {
                    continue;
                }

                if (parameter.Ordinal == 0)
                {
                    first = argument;
                }

                if (_symbols.IsDirectionType(parameter.Type))
                {
                    direction = argument.Value;
                    directionType = parameter.Type;
                }
                else if (DmaSymbols.IsLengthParameter(parameter))
                {
                    length = argument.Value;
                }
            }

            if (!returnsHandle && !(first?.Parameter is { } listParameter && MapsInPlace(listParameter.Type)))
            {
                // A map that returns no handle and maps nothing in place (a page-table map keyed by
                // an address the caller chose, say): nothing names what its release takes.
                return null;
            }

            var kind = returnsHandle ? MappingKind.Streaming : MappingKind.ScatterGather;
            var bufferKey = returnsHandle ? Keys.Of(first?.Value) : null;
            var site = SiteFor(invocation, kind, bufferKey, length, direction);
            var directionValue = direction is not null && ConstantOf(direction, state) is long raw ? TransferDirection.Of(directionType, raw) : null;
            // A long-lived mapping is released elsewhere by design: nothing is owed on this body's paths.
            var flags = (roles & DmaRole.PersistentMap) != 0 ? SiteFlags.NotReleased : SiteFlags.Live | SiteFlags.NotReleased;
            if (kind == MappingKind.Streaming)
            {
                flags |= SiteFlags.Unchecked;
                if (directionValue == FromDevice || directionValue == Bidirectional)
                {
                    flags |= SiteFlags.DeviceOwned;
                    OwnedBuffer(site);
                }
                else if (directionValue == ToDevice)
                {
                    flags |= SiteFlags.DeviceReads;
                    OwnedBuffer(site);
                }
            }

            state = Remade(site, state);
            state = state.WithSite(site, new SiteStatus(flags, length is null ? null : ConstantOf(length, state), directionValue));
            if (kind == MappingKind.ScatterGather)
            {
                // The list's storage: a variable, a field, or a member of an object (rq.Sg), as its release will name it.
                var listKey = KeyOf(first?.Value);
                if (listKey is not null)
                {
                    _slotsHeld |= listKey is SlotKey;
                    Held(listKey);
                    state = state.WithBindings(state.Bindings.SetItem(listKey, new HandleBinding(site)));
                }

                return new CountBinding(site);
            }

            return new HandleBinding(site);
        }

        /// <summary>
        /// Is a value of this type a list the map fills with bus addresses in place (a scatter list)?
        /// It has a member (field, property, method) giving a bus address, or entries that have one.
        /// </summary>
        private bool MapsInPlace(ITypeSymbol type)
        {
            if (!_inPlace.TryGetValue(type, out var inPlace))
            {
                inPlace = HoldsBusAddresses(type, depth: 0);
                _inPlace[type] = inPlace;
            }

            return inPlace;
        }

        private bool HoldsBusAddresses(ITypeSymbol type, int depth)
        {
            if (type is IArrayTypeSymbol array)
            {
                return _symbols.IsBusAddressType(array.ElementType) || (depth == 0 && HoldsBusAddresses(array.ElementType, depth + 1));
            }

            foreach (var member in type.GetMembers())
            {
                var memberType = member switch
                {
                    IFieldSymbol field when !field.IsStatic => field.Type,
                    IPropertySymbol property when !property.IsStatic => property.Type,
                    IMethodSymbol method when !method.IsStatic && method.MethodKind == MethodKind.Ordinary => method.ReturnType,
                    _ => null,
                };
                if (memberType is not null && (_symbols.IsBusAddressType(memberType)
                    || (depth == 0 && member.DeclaredAccessibility == Accessibility.Public && memberType is IArrayTypeSymbol entries && HoldsBusAddresses(entries.ElementType, depth + 1))))
                {
                    return true;
                }
            }

            return false;
        }

        private readonly Dictionary<ITypeSymbol, bool> _inPlace = new Dictionary<ITypeSymbol, bool>(SymbolEqualityComparer.Default);

        /// <summary>Records a site the device can own (mapped FromDevice or Bidirectional) under its buffer.</summary>
        private void OwnedBuffer(MapSite site)
        {
            if (site.BufferKey is null)
            {
                return;
            }

            // Each site once (a loop maps it again): a set, not a search of the buffer's list, which grows with every map of one buffer.
            if (!_owned.Add(site))
            {
                return;
            }

            if (!_ownedBuffers.TryGetValue(site.BufferKey, out var sites))
            {
                sites = new List<MapSite>();
                _ownedBuffers[site.BufferKey] = sites;
            }

            sites.Add(site);
        }

        // The sites in _ownedBuffers' lists.
        private readonly HashSet<MapSite> _owned = new HashSet<MapSite>();

        [MethodImpl(Jit.Optimized)]
        private MapSite SiteFor(IOperation call, MappingKind kind, object? bufferKey, IOperation? length, IOperation? direction)
        {
            if (!_sites.TryGetValue(call, out var site))
            {
                site = new MapSite(call, kind, bufferKey, length, direction);
                _sites[call] = site;
            }

            return site;
        }

        /// <summary>The binding of the argument that names the mapping: the first bus-address argument, else the first argument.</summary>
        [MethodImpl(Jit.Optimized)]
        private Binding? HandleArgument(IInvocationOperation invocation, MappingState state, out IArgumentOperation? handleArgument, Binding?[]? values = null)
        {
            handleArgument = null;
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter is not null && _symbols.IsBusAddressType(argument.Parameter.Type))
                {
                    handleArgument = argument;
                    break;
                }
            }

            if (handleArgument is null)
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Ordinal == 0)
                    {
                        handleArgument = argument;
                    }
                }
            }

            if (handleArgument is null)
            {
                return null;
            }

            var value = Keys.Unwrap(handleArgument.Value);
            var key = KeyOf(NullableValue(value) ?? value);
            key = key is null ? null : Alias(key);
            if (key is null)
            {
                // An element read back from a container (slots[i], list[0], queue.Dequeue()).
                return value is IInvocationOperation read && values is not null && IsContainerRead(read)
                    ? values[invocation.Arguments.IndexOf(handleArgument)] is { } read0 && (read0 is HandleBinding || read0 is ContentsBinding) ? read0 : null
                    : ElementRead(value, state);
            }

            return state.Bindings.TryGetValue(key, out var binding) ? binding : null;
        }

        /// <summary>DMA004: unmap takes the map's length and direction; a sync takes its direction and at most its length.</summary>
        [MethodImpl(Jit.Optimized)]
        private void CompareWithMap(IInvocationOperation invocation, MapSite site, SiteStatus status, MappingState state, bool isSync, bool forCpu = false)
        {
            var name = invocation.TargetMethod.Name;
            foreach (var argument in invocation.Arguments)
            {
                var parameter = argument.Parameter;
                if (parameter is null)
                {
                    continue;
                }

                var value = ConstantOf(argument.Value, state);
                if (_symbols.IsDirectionType(parameter.Type))
                {
                    if (value is long raw && TransferDirection.Of(parameter.Type, raw) is long direction && status.Direction is long mapped)
                    {
                        if (direction != mapped)
                        {
                            ReportMismatch(argument.Value, site, $"{name} uses direction {TransferDirection.NameIn(parameter.Type, direction)} but the mapping was made {TransferDirection.NameIn(parameter.Type, mapped)} (line {Keys.Line(site.Call)})");
                        }
                        else if (isSync && forCpu && mapped == ToDevice && _reporting)
                        {
                            // Legal but pointless, unless the CPU then writes the buffer: decided once the body is done.
                            _syncsForCpuOfToDevice.Add((site, invocation));
                        }
                    }
                }
                else if (DmaSymbols.IsLengthParameter(parameter) && value is long length && status.Length is long mappedLength)
                {
                    if (!isSync && length != mappedLength)
                    {
                        ReportMismatch(argument.Value, site, $"{name} releases {length} bytes but the mapping has {mappedLength} (line {Keys.Line(site.Call)})");
                    }
                    else if (isSync && length > mappedLength)
                    {
                        ReportMismatch(argument.Value, site, $"{name} covers {length} bytes but the mapping has only {mappedLength} (line {Keys.Line(site.Call)})");
                    }
                }
            }
        }

        [MethodImpl(Jit.Optimized)]
        private void ReportMismatch(IOperation at, MapSite site, string message) =>
            Report(Diagnostic.Create(Descriptors.DMA004, at.Syntax.GetLocation(), new[] { site.Call.Syntax.GetLocation() }, message));

        /// <summary>
        /// A map site reached again (a later pass of a loop) makes a new mapping: what the state says of the site so far
        /// is about an older one. Its status and the variables holding it move to the site of the map's earlier passes
        /// (<see cref="MapSite.EarlierPasses"/>), followed from there like any mapping: released, handed over, or lost
        /// when the last variable holding it is given something else while it is live (see <see cref="NoteOverwrite"/>);
        /// the site itself stands for the mapping made now. Otherwise an unmap of the variable an earlier pass kept
        /// (<c>Unmap(prev); prev = cur;</c>) would release the new mapping, and the earlier pass's mapping, overwritten
        /// by the next (<c>a = Map(...)</c> in the loop, <c>Post(a)</c> after it), would be handed over with it. A
        /// container's elements and an element's member holding it are no longer followed (the lattice top), as before:
        /// a store there already handed it over, and a read of them says nothing of which pass's mapping it gives. Only
        /// a site already in the state is looked for, so a body without loops pays nothing.
        /// </summary>
        private MappingState Remade(MapSite site, MappingState state)
        {
            if (!state.Sites.TryGetValue(site, out var status))
            {
                return state;
            }

            var earlier = site.EarlierPasses;
            List<KeyValuePair<object, Binding>>? moved = null;
            foreach (var binding in state.Bindings)
            {
                if (Mentions(binding.Value, site))
                {
                    var value = binding.Value is ContentsBinding || Keys.IsElementMember(binding.Key) ? ConflictBinding.Instance : Renamed(binding.Value, site, earlier);
                    (moved ??= new List<KeyValuePair<object, Binding>>()).Add(new KeyValuePair<object, Binding>(binding.Key, value));
                }
            }

            if (moved is null && (status.Flags & SiteFlags.Live) == 0)
            {
                // Owes nothing and nothing names it: nothing to follow.
                return state;
            }

            if (moved is not null)
            {
                var bindings = state.Bindings;
                foreach (var pair in moved)
                {
                    bindings = bindings.SetItem(pair.Key, pair.Value);
                }

                state = state.WithBindings(bindings);
            }

            _earlierPassesMade = true;
            return state.WithSite(earlier, state.Sites.TryGetValue(earlier, out var before) ? before.Join(status) : status);
        }

        // Set once a site of earlier passes is in a state: only then does a write look for the last holder of one.
        private bool _earlierPassesMade;

        /// <summary><paramref name="binding"/>, which mentions <paramref name="site"/>, with <paramref name="earlier"/> in its place.</summary>
        private static Binding Renamed(Binding binding, MapSite site, MapSite earlier)
        {
            switch (binding)
            {
                case HandleBinding handle:
                    return new HandleBinding(earlier, handle.FailedElsewhere);
                case DerivedBinding _:
                    return new DerivedBinding(earlier);
                case CountBinding _:
                    return new CountBinding(earlier);
                case CheckBinding check:
                    {
                        var head = check.Site == site ? earlier : check.Site;
                        var others = new List<MapSite>(check.Others.Length);
                        foreach (var other in check.Others)
                        {
                            var renamed = other == site ? earlier : other;
                            if (renamed != head && !others.Contains(renamed))
                            {
                                others.Add(renamed);
                            }
                        }

                        return new CheckBinding(head, check.Negated, others.ToArray());
                    }

                case ChoiceBinding choice:
                    {
                        var members = new List<ChoiceBinding.Member>(choice.Members.Length);
                        foreach (var member in choice.Members)
                        {
                            var renamed = member.Site == site ? earlier : member.Site;
                            var index = IndexOf(members, renamed);
                            if (index < 0)
                            {
                                members.Add(new ChoiceBinding.Member(renamed, member.Stuck, member.FailedElsewhere));
                            }
                            else
                            {
                                // Both this site and its earlier passes: one member, stuck if either was, failed where held if either may be.
                                members[index] = new ChoiceBinding.Member(renamed, member.Stuck || members[index].Stuck, member.FailedElsewhere && members[index].FailedElsewhere);
                            }
                        }

                        return members.Count == 1 && !members[0].Stuck && !members[0].FailedElsewhere
                            ? choice.Derived ? new DerivedBinding(members[0].Site) : new HandleBinding(members[0].Site)
                            : new ChoiceBinding(members.ToArray(), choice.Derived);
                    }

                default:
                    return ConflictBinding.Instance;
            }

            static int IndexOf(List<ChoiceBinding.Member> members, MapSite site)
            {
                for (var i = 0; i < members.Count; i++)
                {
                    if (members[i].Site == site)
                    {
                        return i;
                    }
                }

                return -1;
            }
        }

        private static bool Mentions(Binding binding, MapSite site)
        {
            switch (binding)
            {
                case CheckBinding check:
                    return check.Site == site || Array.IndexOf(check.Others, site) >= 0;
                case SiteBinding single:
                    return single.Site == site;
                case ChoiceBinding choice:
                    return choice.IndexOf(site) >= 0;
                case ContentsBinding contents:
                    return Array.IndexOf(contents.Sites, site) >= 0;
                default:
                    return false;
            }
        }

        /// <summary>A parameter, or a member (of a member…) of one: storage the caller gave (<c>sg</c>, <c>rq.Sg</c>).</summary>
        private static bool FromParameter(IOperation? operation)
        {
            while (true)
            {
                switch (operation is null ? null : Keys.Unwrap(operation))
                {
                    case IParameterReferenceOperation _:
                        return true;
                    case IMemberReferenceOperation member when !member.Member.IsStatic:
                        operation = member.Instance;
                        continue;
                    default:
                        return false;
                }
            }
        }

        /// <summary>
        /// Is the value read here given to the device: through conversions, member reads (<c>.Value</c>) and
        /// arithmetic (<see cref="ValueUse"/>), to a device-visible sink (a bus-sink parameter or member) or to a
        /// bus-address parameter of the driver's own code (the callee takes it, as it takes a handle) — directly,
        /// or through one local it is kept in (<c>var a = sg.DmaAddress(i); desc.Addr = a.Value;</c>; a read of that
        /// local anywhere in the body).
        /// </summary>
        private bool GivenToDevice(IOperation read)
        {
            if (IsDeviceTaker(ValueUse.Taker(read, out var holder)))
            {
                return true;
            }

            if (holder is null || _model is null)
            {
                return false;
            }

            foreach (var reference in holder.ContainingSymbol.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree != _model.SyntaxTree || !(Rules.DeepStack.Operation(_model, reference.GetSyntax()) is { } body))
                {
                    continue;
                }

                foreach (var local in ValueUse.ReadsOf(holder, body))
                {
                    if (IsDeviceTaker(ValueUse.Taker(local, out _)))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private bool IsDeviceTaker(IOperation? taker) => taker switch
        {
            IArgumentOperation { Parameter: { } parameter } => _symbols.IsBusSinkParameter(parameter)
                || (parameter.ContainingSymbol is IMethodSymbol callee && InCompilation(callee) && _symbols.IsBusAddressType(parameter.Type)),
            ISimpleAssignmentOperation { Target: IMemberReferenceOperation stored } => _symbols.IsBusSinkMember(stored.Member),
            _ => false,
        };

        private bool InCompilation(ISymbol method) => SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _symbols.Compilation.Assembly);

        /// <summary>
        /// What a call of the compilation's own method gives back, by its summary: a fresh mapping
        /// (a helper that maps: the call is the map), one of its arguments (an identity helper), the
        /// mapping-error check of one (a check helper); a fresh mapping written to an out/ref argument.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private Binding? MadeByCall(IInvocationOperation invocation, Binding?[]? byOrdinal, ref MappingSummary? summary, ref MappingState state)
        {
            var method = invocation.TargetMethod;
            if (_summaries is null || !InCompilation(method))
            {
                return null;
            }

            if (summary is null)
            {
                // Only a method whose body names a map (or such a method) can make a mapping: other calls with no mapping given are not summarised.
                if (!_summaries.MakerNames.Contains(method.Name))
                {
                    return null;
                }

                summary = _summaries.Of(method, _search) ?? MappingSummary.Unknown;
            }

            foreach (var pair in summary.Outs)
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Ordinal == pair.Key && (argument.Parameter.RefKind == RefKind.Out || argument.Parameter.RefKind == RefKind.Ref))
                    {
                        var target = argument.Value is IDeclarationExpressionOperation declaration ? declaration.Expression : argument.Value;
                        Assign(target, Made(argument, pair.Value, invocation, ref state), argument.Value, ref state);
                    }
                }
            }

            if (summary.Yields is { } yields && !method.IsAsync)
            {
                // An iterator whose every yield is a fresh mapping: a sequence made as it is read.
                return new LazyBinding(yields, invocation);
            }

            if (summary.ReturnsElements.Count > 0 && invocation.Type is INamedTypeSymbol { IsTupleType: true } tupleType && !method.IsAsync && KeptWhole(invocation))
            {
                // A tuple kept in a local or deconstructed: its elements are the mappings the helper made.
                var members = new List<KeyValuePair<ISymbol, Binding>>();
                foreach (var pair in summary.ReturnsElements)
                {
                    if (pair.Key < tupleType.TupleElements.Length)
                    {
                        var field = tupleType.TupleElements[pair.Key];
                        var element = Made(invocation, pair.Value, invocation, ref state, pair.Key);
                        members.Add(new KeyValuePair<ISymbol, Binding>(field, element));
                        if (field.CorrespondingTupleField is { } item && !SymbolEqualityComparer.Default.Equals(item, field))
                        {
                            members.Add(new KeyValuePair<ISymbol, Binding>(item, element));
                        }
                    }
                }

                _made[invocation] = members;
            }

            if (summary.Returns is { } made)
            {
                // An async helper's mapping is the awaited result, not the task.
                return method.IsAsync && !(invocation.Parent is IAwaitOperation) ? null : Made(invocation, made, invocation, ref state);
            }

            if (byOrdinal is not null && summary.ReturnsParameter >= 0 && summary.ReturnsParameter < byOrdinal.Length)
            {
                return byOrdinal[summary.ReturnsParameter];
            }

            if (byOrdinal is not null && summary.ReturnsCheckOf >= 0 && summary.ReturnsCheckOf < byOrdinal.Length)
            {
                return CheckOf(byOrdinal[summary.ReturnsCheckOf]) is { } check ? check.WithNegated(summary.CheckNegated) : null;
            }

            return null;
        }

        /// <summary>A mapping a callee made, as a site at the call (or the out argument) that made it here.</summary>
        [MethodImpl(Jit.Optimized)]
        private Binding Made(IOperation at, MadeMapping made, IInvocationOperation invocation, ref MappingState state, int element = -1)
        {
            var bufferKey = made.BufferKey;
            if (made.BufferOrdinal >= 0)
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Ordinal == made.BufferOrdinal)
                    {
                        bufferKey = Keys.Of(argument.Value);
                    }
                }
            }

            MapSite? site;
            if (element < 0)
            {
                site = SiteFor(at, made.Kind, bufferKey, null, null);
            }
            else if (!_elementSites.TryGetValue((at, element), out site))
            {
                site = new MapSite(at, made.Kind, bufferKey, null, null);
                _elementSites[(at, element)] = site;
            }

            var flags = SiteFlags.Live | SiteFlags.NotReleased;
            if (made.Kind == MappingKind.Streaming)
            {
                flags |= made.Unchecked ? SiteFlags.Unchecked : SiteFlags.None;
                if (made.Device != SiteFlags.None)
                {
                    flags |= made.Device;
                    OwnedBuffer(site);
                }
            }

            state = Remade(site, state);
            state = state.WithSite(site, new SiteStatus(flags, made.Length, made.Direction));
            return new HandleBinding(site);
        }

        // The mappings a helper's tuple gives, by the call and the element's position.
        private readonly Dictionary<(IOperation, int), MapSite> _elementSites = new Dictionary<(IOperation, int), MapSite>();

        /// <summary>Is a call's tuple kept whole: in a local of this body, or deconstructed into variables?</summary>
        private bool KeptWhole(IOperation value)
        {
            var parent = value.Parent;
            while (parent is IConversionOperation conversion && conversion.IsImplicit)
            {
                parent = parent.Parent;
            }

            return parent is IDeconstructionAssignmentOperation || ReceivingLocal(value) is not null;
        }

        /// <summary>A callee releases the mapping it is given on every path: as an unmap here.</summary>
        [MethodImpl(Jit.Optimized)]
        private void ReleasedBy(Binding value, IOperation at, ref MappingState state)
        {
            if (value is HandleBinding handle && state.Sites.TryGetValue(handle.Site, out var status))
            {
                CheckNotReleased(handle.Site, status, at, releasing: true);
                NoteRelease(handle.Site, at);
                NoteTakenBack(handle.Site, status);
                NoteUnwind(handle.Site, status, at);
                state = Update(state, handle.Site, SiteFlags.Released, SiteFlags.NotReleased | SiteFlags.Live | SiteFlags.DeviceAccess | SiteFlags.Unchecked | SiteFlags.Failed);
            }
            else
            {
                Transfer(value, ref state);
            }
        }

        /// <summary>
        /// Arguments to an ordinary method: a device sink is a use; anything else but logging takes
        /// ownership, unless the callee's summary says it only uses, releases or gives back what it is given.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private Binding? PassArguments(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, ref MappingState state)
        {
            MappingSummary? summary = null;
            return PassArguments(method, arguments, ref state, null, ref summary);
        }

        [MethodImpl(Jit.Optimized)]
        private Binding? PassArguments(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, ref MappingState state, Binding?[]? byOrdinal, ref MappingSummary? summary)
        {
            Binding? derived = null;
            foreach (var argument in arguments)
            {
                var value = Eval(argument.Value, ref state);
                var parameter = argument.Parameter;
                if (value is null || parameter is null)
                {
                    continue;
                }

                if (byOrdinal is not null && parameter.Ordinal < byOrdinal.Length)
                {
                    byOrdinal[parameter.Ordinal] = value;
                }

                derived ??= Derived(value);
                if (_symbols.IsBusSinkParameter(parameter))
                {
                    DeviceUse(value, argument.Value, state);
                    MarkPosted(value, ref state);
                }

                if (value is HandleBinding handle && handle.Site.Kind == MappingKind.Coherent && state.Sites.TryGetValue(handle.Site, out var status))
                {
                    CheckNotReleased(handle.Site, status, argument.Value);
                }

                if (TakesOwnership(method, parameter))
                {
                    var use = new ParameterUse(ParameterFate.Takes, used: false);
                    if (byOrdinal is not null && _summaries is not null && (value is HandleBinding || (value is ChoiceBinding choice && !choice.Derived)))
                    {
                        summary ??= _summaries.Of(method, _search) ?? MappingSummary.Unknown;
                        use = summary.UseOf(parameter.Ordinal);
                    }

                    if (use.Used && (use.Fate != ParameterFate.Takes || use.ReachesDevice) && !_symbols.IsBusSinkParameter(parameter))
                    {
                        // The callee gives it to a device (or syncs it) and does not take it, or gives it to a device
                        // whatever it does with it after: a use here.
                        DeviceUse(value, argument.Value, state);
                    }

                    switch (use.Fate)
                    {
                        case ParameterFate.Takes:
                            Transfer(value, ref state);
                            break;
                        case ParameterFate.Releases:
                            ReleasedBy(value, argument.Value, ref state);
                            break;
                        case ParameterFate.Stores:
                            Transfer(value, ref state, stored: true);
                            break;
                    }
                }
            }

            return derived;
        }

        /// <summary>
        /// Logging does not take a mapping over: an object or string parameter of a library method, or any parameter of the
        /// base library's output-only types (<c>System.Console</c>, <c>System.Diagnostics.Debug</c> and <c>Trace</c>), which
        /// print what they are given and keep nothing (<c>Console.WriteLine(a.Value)</c>). Everything else may.
        /// </summary>
        [MethodImpl(Jit.Optimized)]
        private bool TakesOwnership(IMethodSymbol method, IParameterSymbol parameter)
        {
            // The assembly first: a parameter's type can cost a substitution, and most calls that are
            // given a handle are the driver's own.
            if (SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, _symbols.Compilation.Assembly))
            {
                return true;
            }

            if (IsOutputOnly(method.ContainingType))
            {
                return false;
            }

            // The declared type, not the substituted one: substituting costs more than the rest of the
            // call, and a generic parameter (List<T>.Add) keeps what it is given in any instantiation.
            var special = parameter.OriginalDefinition.Type.SpecialType;
            return special != SpecialType.System_Object && special != SpecialType.System_String;
        }

        /// <summary><c>System.Console</c>, <c>System.Diagnostics.Debug</c> or <c>System.Diagnostics.Trace</c> (by metadata name: a type of the compilation's own is never one).</summary>
        private static bool IsOutputOnly(INamedTypeSymbol? type) =>
            type is { ContainingType: null, ContainingNamespace: { } ns }
            && (type.Name == "Console" && ns.Name == "System" && ns.ContainingNamespace is { IsGlobalNamespace: true }
                || (type.Name == "Debug" || type.Name == "Trace") && ns.Name == "Diagnostics" && ns.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true });

        [MethodImpl(Jit.Optimized)]
        private void Report(Diagnostic diagnostic)
        {
            if (_reporting && _reported.Add((diagnostic.Id, diagnostic.Location)))
            {
                _report(diagnostic);
            }
        }
    }
}
