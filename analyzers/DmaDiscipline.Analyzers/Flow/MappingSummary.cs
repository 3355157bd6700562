using System.Collections.Generic;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>What a callee does with a handle it is given, on every path.</summary>
    internal enum ParameterFate
    {
        /// <summary>Checks, stores, returns or passes it on (on some path): the caller owes nothing more for it (as for a call not summarised).</summary>
        Takes,

        /// <summary>Stores it (into a field, a descriptor, an out parameter) without checking it: the release is handed over, the check is not.</summary>
        Stores,

        /// <summary>Neither checks, takes nor releases it on any path: the caller still owns it (a write into a ring is a use).</summary>
        Keeps,

        /// <summary>Releases it on every path, and does nothing else that takes it.</summary>
        Releases,

        /// <summary>Gives it back as its return value on every path (an identity helper).</summary>
        Returns,
    }

    /// <summary>A fresh mapping a callee gives its caller (returned, or written to an out/ref parameter).</summary>
    internal sealed class MadeMapping : System.IEquatable<MadeMapping>
    {
        public MadeMapping(MappingKind kind, bool @unchecked, SiteFlags device, long? length, long? direction, int bufferOrdinal, object? bufferKey)
        {
            Kind = kind;
            Unchecked = @unchecked;
            Device = device;
            Length = length;
            Direction = direction;
            BufferOrdinal = bufferOrdinal;
            BufferKey = bufferKey;
        }

        public MappingKind Kind { get; }

        /// <summary>Not checked (or checked and found failed) on some path in the callee: the caller must check it.</summary>
        public bool Unchecked { get; }

        /// <summary>How the device has the buffer when the caller gets the mapping (<see cref="SiteFlags.DeviceAccess"/> bits).</summary>
        public SiteFlags Device { get; }

        public long? Length { get; }

        public long? Direction { get; }

        /// <summary>The callee's parameter that names the mapped buffer, or -1.</summary>
        public int BufferOrdinal { get; }

        /// <summary>The mapped buffer's storage when it is not the callee's own (a captured variable, a field), or null.</summary>
        public object? BufferKey { get; }

        /// <summary>Either of two fresh mappings (two returns of one callee, or two callees): null when they differ in kind.</summary>
        public MadeMapping? Join(MadeMapping other) =>
            Equals(other) ? this
            : other.Kind != Kind ? null
            : new MadeMapping(Kind, Unchecked || other.Unchecked, Device | other.Device,
                Length == other.Length ? Length : null, Direction == other.Direction ? Direction : null,
                BufferOrdinal == other.BufferOrdinal ? BufferOrdinal : -1, Equals(BufferKey, other.BufferKey) ? BufferKey : null);

        public bool Equals(MadeMapping? other) =>
            other is not null && other.Kind == Kind && other.Unchecked == Unchecked && other.Device == Device && other.Length == Length
            && other.Direction == Direction && other.BufferOrdinal == BufferOrdinal && Equals(other.BufferKey, BufferKey);

        public override bool Equals(object? obj) => Equals(obj as MadeMapping);

        public override int GetHashCode() => (int)Kind ^ (Length.GetHashCode() * 7) ^ (Direction.GetHashCode() * 13) ^ BufferOrdinal;
    }

    /// <summary>How a callee uses a handle parameter: its fate, and whether it reaches a device use (a sink, a sync, its number read) before any check.</summary>
    internal readonly struct ParameterUse
    {
        public ParameterUse(ParameterFate fate, bool used, bool reachesDevice = false)
        {
            Fate = fate;
            Used = used;
            ReachesDevice = reachesDevice;
        }

        public ParameterFate Fate { get; }

        public bool Used { get; }

        /// <summary>
        /// The callee gives the handle (or its number) to a device-visible sink before any check: a use at the call even
        /// when the callee takes the mapping over (<c>void Post(DmaAddr a, int n) =&gt; Post(a.Value, n)</c>).
        /// </summary>
        public bool ReachesDevice { get; }
    }

    /// <summary>What a call of one method (or of every body a call may run) does with mappings: see <see cref="MappingSummaries"/>.</summary>
    internal sealed class MappingSummary
    {
        private static readonly Dictionary<int, MadeMapping> NoOuts = new Dictionary<int, MadeMapping>();
        private static readonly Dictionary<int, ParameterUse> NoParameters = new Dictionary<int, ParameterUse>();

        /// <summary>A callee whose body is not followed: it makes nothing, and takes what it is given.</summary>
        public static readonly MappingSummary Unknown = new MappingSummary(null, -1, -1, false, NoOuts, NoParameters);

        public MappingSummary(MadeMapping? returns, int returnsParameter, int returnsCheckOf, bool checkNegated, Dictionary<int, MadeMapping> outs, Dictionary<int, ParameterUse> parameters,
            Dictionary<int, MadeMapping>? returnsElements = null, MadeMapping? yields = null)
        {
            Yields = yields;
            ReturnsElements = returnsElements ?? NoOuts;
            Returns = returns;
            ReturnsParameter = returnsParameter;
            ReturnsCheckOf = returnsCheckOf;
            CheckNegated = checkNegated;
            Outs = outs;
            Parameters = parameters;
        }

        /// <summary>Every return gives a fresh mapping: a helper that maps.</summary>
        public MadeMapping? Returns { get; }

        /// <summary>Every return gives back this parameter (ordinal), or -1.</summary>
        public int ReturnsParameter { get; }

        /// <summary>Every return gives the mapping-error check of this parameter (ordinal; true = failed, unless <see cref="CheckNegated"/>), or -1.</summary>
        public int ReturnsCheckOf { get; }

        public bool CheckNegated { get; }

        /// <summary>Fresh mappings written to out/ref parameters on every path, by ordinal.</summary>
        public Dictionary<int, MadeMapping> Outs { get; }

        /// <summary>An iterator every <c>yield return</c> of which gives a fresh mapping: each element it yields is one.</summary>
        public MadeMapping? Yields { get; }

        /// <summary>Every return is a tuple literal: the fresh mapping each of these elements (by position) gives on every path.</summary>
        public Dictionary<int, MadeMapping> ReturnsElements { get; }

        /// <summary>What the callee does with its handle parameters, by ordinal (absent: <see cref="ParameterFate.Takes"/>).</summary>
        public Dictionary<int, ParameterUse> Parameters { get; }

        public ParameterUse UseOf(int ordinal) =>
            Parameters.TryGetValue(ordinal, out var use) ? use : new ParameterUse(ParameterFate.Takes, used: false);

        /// <summary>What a call that may run either body does: only what both do.</summary>
        public MappingSummary Join(MappingSummary other)
        {
            if (ReferenceEquals(this, other))
            {
                return this;
            }

            var outs = new Dictionary<int, MadeMapping>();
            foreach (var pair in Outs)
            {
                if (other.Outs.TryGetValue(pair.Key, out var made) && pair.Value.Join(made) is { } joined)
                {
                    outs[pair.Key] = joined;
                }
            }

            var parameters = new Dictionary<int, ParameterUse>();
            foreach (var pair in Parameters)
            {
                var theirs = other.UseOf(pair.Key);
                if (theirs.Fate == pair.Value.Fate)
                {
                    parameters[pair.Key] = new ParameterUse(theirs.Fate, theirs.Used || pair.Value.Used, theirs.ReachesDevice || pair.Value.ReachesDevice);
                }
            }

            var elements = new Dictionary<int, MadeMapping>();
            foreach (var pair in ReturnsElements)
            {
                if (other.ReturnsElements.TryGetValue(pair.Key, out var made) && pair.Value.Join(made) is { } joined)
                {
                    elements[pair.Key] = joined;
                }
            }

            var yields = Yields is not null && other.Yields is not null ? Yields.Join(other.Yields) : null;
            var sameCheck = ReturnsCheckOf == other.ReturnsCheckOf && CheckNegated == other.CheckNegated;
            return new MappingSummary(
                Returns is not null && other.Returns is not null ? Returns.Join(other.Returns) : null,
                ReturnsParameter == other.ReturnsParameter ? ReturnsParameter : -1,
                sameCheck ? ReturnsCheckOf : -1,
                sameCheck && CheckNegated,
                outs,
                parameters,
                elements,
                yields);
        }
    }
}
