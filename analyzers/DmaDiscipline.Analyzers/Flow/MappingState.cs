using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    internal enum MappingKind
    {
        Streaming,
        ScatterGather,
        Coherent,
    }

    /// <summary>One map (or coherent alloc) call of the analysed body and what it was given.</summary>
    internal sealed class MapSite
    {
        public MapSite(IOperation call, MappingKind kind, object? bufferKey, IOperation? length, IOperation? direction)
        {
            Call = call;
            Kind = kind;
            BufferKey = bufferKey;
            Length = length;
            Direction = direction;
            _hash = ByPlace.Hash(call.Syntax.SpanStart);
        }

        /// <summary>The mappings of <paramref name="origin"/> made on earlier passes of a loop (see <see cref="EarlierPasses"/>).</summary>
        private MapSite(MapSite origin)
        {
            Call = origin.Call;
            Kind = origin.Kind;
            BufferKey = origin.BufferKey;
            Length = origin.Length;
            Direction = origin.Direction;
            _origin = origin;
            _hash = unchecked((origin._hash * 31) + 17);
        }

        // For a site of earlier passes, the site whose map made them; null for a map site itself.
        private readonly MapSite? _origin;

        // Made the first time the map is reached again with its mapping of an earlier pass in the state.
        private MapSite? _earlierPasses;

        /// <summary>
        /// The mappings this map made on the earlier passes of a loop, taken as one: when the map is reached again,
        /// what the state says of its mapping so far (its status, the variables holding it) moves here, and the site
        /// itself stands for the mapping made now. The earlier passes' site of an earlier passes' site is itself.
        /// </summary>
        public MapSite EarlierPasses => _origin is not null ? this : _earlierPasses ??= new MapSite(this);

        /// <summary>True for the site of a map's earlier passes (<see cref="EarlierPasses"/>).</summary>
        public bool IsEarlierPasses => _origin is not null;

        /// <summary>The map site whose mappings this site stands for: itself, or the map of the earlier passes.</summary>
        public MapSite Origin => _origin ?? this;

        // The state's maps are keyed by sites and look one up at nearly every statement: the hash is the call's
        // place in its file, kept (see ByPlace); the maps' order is the same from run to run.
        private readonly int _hash;

        public IOperation Call { get; }
        public MappingKind Kind { get; }
        /// <summary>The mapped buffer's storage (local, parameter, field), for DMA005.</summary>
        public object? BufferKey { get; }
        public IOperation? Length { get; }
        public IOperation? Direction { get; }

        /// <summary>Equality stays identity: the hash only has to agree with it.</summary>
        public override int GetHashCode() => _hash;

        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public string Describe() => Kind switch
        {
            MappingKind.Coherent => "coherent buffer",
            MappingKind.ScatterGather => "scatter-gather mapping",
            _ => "streaming mapping",
        };
    }

    /// <summary>"May" facts about a site on the paths reaching a point (joined by union).</summary>
    [Flags]
    internal enum SiteFlags
    {
        None = 0,
        /// <summary>Mapped, not failed, not released, not transferred: DMA002 if it reaches an exit.</summary>
        Live = 1,
        /// <summary>The mapping-error check has not been made.</summary>
        Unchecked = 2,
        /// <summary>The check said the mapping failed (and the path went on).</summary>
        Failed = 4,
        /// <summary>Released (unmapped or freed).</summary>
        Released = 8,
        /// <summary>Not released.</summary>
        NotReleased = 16,
        /// <summary>The device owns the mapped buffer (FromDevice/Bidirectional, not synced for the CPU).</summary>
        DeviceOwned = 32,
        /// <summary>
        /// The device reads the mapped buffer (ToDevice, not synced for the CPU): a CPU write now is not
        /// what the device reads (a bounce buffer was filled at the map), though a read is harmless.
        /// </summary>
        DeviceReads = 64,
        /// <summary>Either way the device has the buffer; what a sync for the CPU, an unmap or a failed map takes away.</summary>
        DeviceAccess = DeviceOwned | DeviceReads,
        /// <summary>
        /// A bus address of a caller's scatter-gather list (a parameter or a member of one) was given to
        /// the device on a path reaching here: left mapped at an exit, the list is the completion's to release.
        /// </summary>
        ListPosted = 128,
        /// <summary>Its address was given to a device-visible sink (a descriptor member, a bus-address parameter) on a path reaching here.</summary>
        Posted = 256,
    }

    /// <summary>The status of a site on the paths reaching a point; constant length/direction as given at the map (null = unknown).</summary>
    internal sealed class SiteStatus : IEquatable<SiteStatus>
    {
        public SiteStatus(SiteFlags flags, long? length, long? direction)
        {
            Flags = flags;
            Length = length;
            Direction = direction;
        }

        public SiteFlags Flags { get; }
        public long? Length { get; }
        public long? Direction { get; }

        public bool MustBeReleased => (Flags & SiteFlags.Released) != 0 && (Flags & SiteFlags.NotReleased) == 0;

        [MethodImpl(Jit.Optimized)]
        public SiteStatus With(SiteFlags set, SiteFlags clear) => new SiteStatus((Flags | set) & ~clear, Length, Direction);

        [MethodImpl(Jit.Optimized)]
        public SiteStatus Join(SiteStatus other) =>
            Equals(other) ? this : new SiteStatus(Flags | other.Flags, Length == other.Length ? Length : null, Direction == other.Direction ? Direction : null);

        [MethodImpl(Jit.Optimized)]
        public bool Equals(SiteStatus? other) => other is not null && other.Flags == Flags && other.Length == Length && other.Direction == Direction;

        [MethodImpl(Jit.Optimized)]
        public override bool Equals(object? obj) => Equals(obj as SiteStatus);

        [MethodImpl(Jit.Optimized)]
        public override int GetHashCode() => ((int)Flags * 31) ^ Length.GetHashCode() ^ Direction.GetHashCode();
    }

    /// <summary>What a value is, as far as mappings go.</summary>
    internal abstract class Binding
    {
    }

    /// <summary>A value that stands for one map site.</summary>
    internal abstract class SiteBinding : Binding
    {
        protected SiteBinding(MapSite site) => Site = site;

        public MapSite Site { get; }
    }

    /// <summary>
    /// A variable that holds different values on the paths that meet at a point: none of them is
    /// followed through it. Kept as a value of its own (the top of the lattice) rather than dropped,
    /// so that a third path cannot bring one of them back: the join is then the same whatever order
    /// the paths meet in, which the control-flow graph and the one-pass tree walk both rely on.
    /// </summary>
    internal sealed class ConflictBinding : Binding
    {
        public static readonly ConflictBinding Instance = new ConflictBinding();

        private ConflictBinding()
        {
        }
    }

    /// <summary>
    /// A variable that holds one of several mappings' handles (or numbers derived from them),
    /// depending on the path that reached the point: two maps assigned in the arms of an <c>if</c>,
    /// a <c>?:</c> or switch expression of maps. Storing, returning or passing it on hands over
    /// whichever it holds on each path, so every member goes with it, and a check or a device use
    /// through it concerns each. A member is <see cref="Member.Stuck"/> when, on some path where the
    /// variable holds another one, it is live or unchecked: what happens through the variable on
    /// that path does not reach it, so nothing done through the variable counts for it.
    /// </summary>
    internal sealed class ChoiceBinding : Binding, IEquatable<ChoiceBinding>
    {
        public ChoiceBinding(Member[] members, bool derived)
        {
            Members = members;
            Derived = derived;
        }

        /// <summary>The mappings the variable may hold, each once.</summary>
        public Member[] Members { get; }

        /// <summary>The variable holds a number derived from the handle (addr.Value + offset), not the handle.</summary>
        public bool Derived { get; }

        public readonly struct Member
        {
            public Member(MapSite site, bool stuck, bool failedElsewhere = false)
            {
                Site = site;
                Stuck = stuck;
                FailedElsewhere = failedElsewhere;
            }

            public MapSite Site { get; }

            public bool Stuck { get; }

            /// <summary>
            /// The mapping's check found it failed only on paths where the variable held another one (a loop left by
            /// <c>break</c> when the next map fails, the previous one still in the variable): a use through the variable
            /// does not use the failed mapping, so its failure is not one ignored there (DMA003).
            /// </summary>
            public bool FailedElsewhere { get; }
        }

        public ChoiceBinding AsDerived() => Derived ? this : new ChoiceBinding(Members, derived: true);

        [MethodImpl(Jit.Optimized)]
        public int IndexOf(MapSite site)
        {
            for (var i = 0; i < Members.Length; i++)
            {
                if (Members[i].Site == site)
                {
                    return i;
                }
            }

            return -1;
        }

        [MethodImpl(Jit.Optimized)]
        public bool Equals(ChoiceBinding? other)
        {
            if (other is null || other.Derived != Derived || other.Members.Length != Members.Length)
            {
                return false;
            }

            foreach (var member in Members)
            {
                var index = other.IndexOf(member.Site);
                if (index < 0 || other.Members[index].Stuck != member.Stuck || other.Members[index].FailedElsewhere != member.FailedElsewhere)
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as ChoiceBinding);

        public override int GetHashCode()
        {
            var hash = Derived ? 7 : 5;
            foreach (var member in Members)
            {
                // Order-independent: the same members met in another order are the same choice.
                hash ^= member.Site.GetHashCode() ^ (member.Stuck ? 11 : 13) ^ (member.FailedElsewhere ? 19 : 0);
            }

            return hash;
        }
    }

    /// <summary>
    /// What the elements of one container may hold (<see cref="ElementKey"/>): the handles of this
    /// body's mappings stored into it, under any index or key, each once. Read back as one element, it
    /// is that handle when there is one; when there are several, it is this value, which a check, a
    /// hand-over or a release concerns for each, but which is never reported on (which one is read is not known).
    /// </summary>
    internal sealed class ContentsBinding : Binding, IEquatable<ContentsBinding>
    {
        public ContentsBinding(MapSite[] sites) => Sites = sites;

        public MapSite[] Sites { get; }

        /// <summary>The sites a stored value brings into a container: a handle's, a choice's, another container's; null for anything else.</summary>
        public static MapSite[]? SitesOf(Binding? value)
        {
            switch (value)
            {
                case HandleBinding handle:
                    return new[] { handle.Site };
                case ChoiceBinding choice when !choice.Derived:
                    var sites = new MapSite[choice.Members.Length];
                    for (var i = 0; i < sites.Length; i++)
                    {
                        sites[i] = choice.Members[i].Site;
                    }

                    return sites;
                case ContentsBinding contents:
                    return contents.Sites;
                default:
                    return null;
            }
        }

        public ContentsBinding Union(ContentsBinding other)
        {
            List<MapSite>? added = null;
            foreach (var site in other.Sites)
            {
                if (Array.IndexOf(Sites, site) < 0)
                {
                    (added ??= new List<MapSite>()).Add(site);
                }
            }

            if (added is null)
            {
                return this;
            }

            var sites = new MapSite[Sites.Length + added.Count];
            Sites.CopyTo(sites, 0);
            added.CopyTo(sites, Sites.Length);
            return new ContentsBinding(sites);
        }

        public bool Equals(ContentsBinding? other)
        {
            if (other is null || other.Sites.Length != Sites.Length)
            {
                return false;
            }

            foreach (var site in Sites)
            {
                if (Array.IndexOf(other.Sites, site) < 0)
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as ContentsBinding);

        public override int GetHashCode()
        {
            var hash = 17;
            foreach (var site in Sites)
            {
                hash ^= site.GetHashCode();
            }

            return hash;
        }
    }

    /// <summary>
    /// A delegate made from a lambda of the compilation that returns a fresh mapping (its body's one
    /// <c>return</c> is a map): invoking it makes that mapping at the invocation.
    /// </summary>
    internal sealed class MakerBinding : Binding
    {
        public MakerBinding(MadeMapping made) => Made = made;

        public MadeMapping Made { get; }

        public override bool Equals(object? obj) => obj is MakerBinding other && other.Made.Equals(Made);

        public override int GetHashCode() => Made.GetHashCode() ^ 0x3c;
    }

    /// <summary>
    /// A sequence whose elements are made as they are read: an iterator helper whose every
    /// <c>yield return</c> is a fresh mapping, a LINQ projection by a lambda that maps. Nothing is
    /// mapped until an element is read (<c>First()</c>, a <c>foreach</c>'s <c>Current</c>); each read
    /// makes the mapping there.
    /// </summary>
    internal sealed class LazyBinding : Binding
    {
        public LazyBinding(MadeMapping made, IInvocationOperation maker)
        {
            Made = made;
            Maker = maker;
        }

        public MadeMapping Made { get; }

        /// <summary>The call that made the sequence (its arguments name the mapped buffer).</summary>
        public IInvocationOperation Maker { get; }

        public override bool Equals(object? obj) => obj is LazyBinding other && other.Made.Equals(Made) && other.Maker == Maker;

        public override int GetHashCode() => Made.GetHashCode() ^ Maker.GetHashCode();
    }

    /// <summary>The mapping handle itself (the DmaAddr, the scatter list, the coherent buffer).</summary>
    internal sealed class HandleBinding : SiteBinding
    {
        public HandleBinding(MapSite site, bool failedElsewhere = false)
            : base(site)
        {
            FailedElsewhere = failedElsewhere;
        }

        /// <summary>
        /// The mapping's check found it failed only on paths where the variable held no mapping of this body or another one
        /// (see <see cref="ChoiceBinding.Member.FailedElsewhere"/>): a use through the variable does not ignore that failure.
        /// </summary>
        public bool FailedElsewhere { get; }

        [MethodImpl(Jit.Optimized)]
        public override bool Equals(object? obj) => obj is HandleBinding other && other.Site == Site && other.FailedElsewhere == FailedElsewhere;

        [MethodImpl(Jit.Optimized)]
        public override int GetHashCode() => Site.GetHashCode() ^ (FailedElsewhere ? 19 : 0);
    }

    /// <summary>A number derived from a handle (addr.Value + offset).</summary>
    internal sealed class DerivedBinding : SiteBinding
    {
        public DerivedBinding(MapSite site)
            : base(site)
        {
        }

        [MethodImpl(Jit.Optimized)]
        public override bool Equals(object? obj) => obj is DerivedBinding other && other.Site == Site;

        [MethodImpl(Jit.Optimized)]
        public override int GetHashCode() => Site.GetHashCode() ^ 1;
    }

    /// <summary>
    /// The result of a mapping-error check (true = failed, unless negated), of one mapping or, checked
    /// through a variable that holds one of several (a <see cref="ChoiceBinding"/>), of each of them.
    /// </summary>
    internal sealed class CheckBinding : SiteBinding
    {
        private static readonly MapSite[] None = Array.Empty<MapSite>();

        public CheckBinding(MapSite site, bool negated, MapSite[]? others = null)
            : base(site)
        {
            Negated = negated;
            Others = others ?? None;
        }

        public bool Negated { get; }

        /// <summary>The other mappings the checked variable may hold.</summary>
        public MapSite[] Others { get; }

        public CheckBinding WithNegated(bool negated) => negated == Negated ? this : new CheckBinding(Site, negated, Others);

        [MethodImpl(Jit.Optimized)]
        public override bool Equals(object? obj)
        {
            if (!(obj is CheckBinding other) || other.Site != Site || other.Negated != Negated || other.Others.Length != Others.Length)
            {
                return false;
            }

            foreach (var site in Others)
            {
                // In any order: the same choice met in another order checks the same mappings.
                if (Array.IndexOf(other.Others, site) < 0)
                {
                    return false;
                }
            }

            return true;
        }

        [MethodImpl(Jit.Optimized)]
        public override int GetHashCode() => Site.GetHashCode() ^ (Negated ? 2 : 3) ^ Others.Length;
    }

    /// <summary>The entry count a scatter-gather map returned (0 = failed).</summary>
    internal sealed class CountBinding : SiteBinding
    {
        public CountBinding(MapSite site)
            : base(site)
        {
        }

        [MethodImpl(Jit.Optimized)]
        public override bool Equals(object? obj) => obj is CountBinding other && other.Site == Site;

        [MethodImpl(Jit.Optimized)]
        public override int GetHashCode() => Site.GetHashCode() ^ 4;
    }

    /// <summary>
    /// What the analysis knows at a point: what each variable holds, the status of each map site, and
    /// which variables hold known constants, each in a <see cref="PersistentMap{TKey, TValue}"/> whose
    /// updates share everything they do not change. An exit visits the sites whose status changed since
    /// the last exit where every owing site was settled (<see cref="PersistentMap{TKey, TValue}.KeysNotIn"/>),
    /// not every mapping the body ever made; a status update copies one path of one map.
    /// </summary>
    internal sealed class MappingState
    {
        public static readonly MappingState Empty = new MappingState(
            PersistentMap<object, Binding>.Empty,
            PersistentMap<MapSite, SiteStatus>.Empty,
            PersistentMap<object, long>.Empty);

        /// <summary>What a site owes while it has either flag: a release (<see cref="SiteFlags.Live"/>) or a check (<see cref="SiteFlags.Unchecked"/>).</summary>
        public const SiteFlags OwingFlags = SiteFlags.Live | SiteFlags.Unchecked;

        /// <summary>
        /// The state of a branch no execution takes — a condition decided by constants (<c>if (mapped)</c> with
        /// <c>mapped</c> false on every path): the bottom of the lattice. Joined with another state it is that state;
        /// nothing is visited, reported or owed on it.
        /// </summary>
        public static readonly MappingState Dead = new MappingState(
            PersistentMap<object, Binding>.Empty,
            PersistentMap<MapSite, SiteStatus>.Empty,
            PersistentMap<object, long>.Empty,
            isDead: true);

        public MappingState(PersistentMap<object, Binding> bindings, PersistentMap<MapSite, SiteStatus> sites, PersistentMap<object, long> constants)
            : this(bindings, sites, constants, isDead: false)
        {
        }

        private MappingState(PersistentMap<object, Binding> bindings, PersistentMap<MapSite, SiteStatus> sites, PersistentMap<object, long> constants, bool isDead)
        {
            Bindings = bindings;
            Sites = sites;
            Constants = constants;
            IsDead = isDead;
        }

        /// <summary>True only for <see cref="Dead"/>.</summary>
        public bool IsDead { get; }

        public PersistentMap<object, Binding> Bindings { get; }
        public PersistentMap<MapSite, SiteStatus> Sites { get; }
        /// <summary>Locals known to hold an integer, enum or <c>bool</c> (1 or 0) constant.</summary>
        public PersistentMap<object, long> Constants { get; }

        [MethodImpl(Jit.Optimized)]
        public MappingState WithBindings(PersistentMap<object, Binding> bindings) => ReferenceEquals(bindings, Bindings) ? this : new MappingState(bindings, Sites, Constants);

        /// <summary>The state with <paramref name="site"/>'s status set.</summary>
        [MethodImpl(Jit.Optimized)]
        public MappingState WithSite(MapSite site, SiteStatus status)
        {
            var sites = Sites.SetItem(site, status);
            return ReferenceEquals(sites, Sites) ? this : new MappingState(Bindings, sites, Constants);
        }

        [MethodImpl(Jit.Optimized)]
        public MappingState WithConstants(PersistentMap<object, long> constants) => ReferenceEquals(constants, Constants) ? this : new MappingState(Bindings, Sites, constants);
    }
}
