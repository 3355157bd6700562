using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>Where an address-like value may have come from. A value carries a set of origins (empty = nothing known).</summary>
    internal abstract class Origin
    {
        public static readonly ImmutableHashSet<Origin> None = ImmutableHashSet<Origin>.Empty;

        /// <summary>
        /// Of two places a value may come from, the one a message names: the earlier in the source
        /// (by file, then position). A set's own order depends on hash codes that change from run to
        /// run, and a message must not.
        /// </summary>
        public static bool IsEarlier(SyntaxNode candidate, SyntaxNode? current)
        {
            if (current is null)
            {
                return true;
            }

            var byFile = string.CompareOrdinal(candidate.SyntaxTree.FilePath, current.SyntaxTree.FilePath);
            return byFile < 0 || (byFile == 0 && candidate.SpanStart < current.SpanStart);
        }

        /// <summary>Of a value's origins of kind <typeparamref name="T"/>, the one a message names (<see cref="IsEarlier"/>); null when it has none.</summary>
        public static T? Earliest<T>(ImmutableHashSet<Origin> origins, System.Func<T, SyntaxNode> nodeOf)
            where T : Origin
        {
            T? earliest = null;
            foreach (var origin in origins)
            {
                if (origin is T candidate && IsEarlier(nodeOf(candidate), earliest is null ? null : nodeOf(earliest)))
                {
                    earliest = candidate;
                }
            }

            return earliest;
        }
    }

    /// <summary>A raw CPU physical address, first seen at <see cref="Operation"/>.</summary>
    internal sealed class PhysicalOrigin : Origin
    {
        public PhysicalOrigin(IOperation operation) => Operation = operation;

        public IOperation Operation { get; }

        public override bool Equals(object? obj) => obj is PhysicalOrigin other && ReferenceEquals(other.Operation, Operation);

        public override int GetHashCode() => Operation.GetHashCode();
    }

    /// <summary>
    /// An address of memory a device reads (an MMIO BAR mapping, a coherent region, a descriptor
    /// ring), first seen at <see cref="Node"/>: a store through it, or through anything derived
    /// from it, is device-visible.
    /// </summary>
    internal sealed class DeviceMemoryOrigin : Origin
    {
        public DeviceMemoryOrigin(SyntaxNode node, string description)
        {
            Node = node;
            Description = description;
        }

        public SyntaxNode Node { get; }

        /// <summary>How a message names it: <c>'ring.Span'</c>.</summary>
        public string Description { get; }

        public override bool Equals(object? obj) => obj is DeviceMemoryOrigin other && ReferenceEquals(other.Node, Node);

        public override int GetHashCode() => Node.GetHashCode();
    }

    /// <summary>A bus address the DMA API made (or an external API returned as one).</summary>
    internal sealed class BusOrigin : Origin
    {
        public static readonly BusOrigin Instance = new BusOrigin();

        private BusOrigin()
        {
        }
    }

    /// <summary>A bus address made outside the DMA API at <see cref="Creation"/>, from <see cref="Source"/>.</summary>
    internal sealed class ForgedOrigin : Origin
    {
        public ForgedOrigin(IOperation creation, string source, bool constant = false, bool indexed = false, IMethodSymbol? enteredThrough = null, int enteredOrdinal = -1,
            bool fromPhysical = false)
        {
            FromPhysical = fromPhysical;
            Creation = creation;
            Source = source;
            IsConstant = constant;
            IsIndexed = indexed;
            EnteredThrough = enteredThrough;
            EnteredOrdinal = enteredOrdinal;
        }

        /// <summary>
        /// The constructor or setter through whose parameter <see cref="EnteredOrdinal"/> the forgery entered the field it
        /// is read from (<c>new Config(default)</c>, <c>B = default</c>), or null. Where that parameter reaches a
        /// device-visible sink the forgery is reported there, where it enters, and not again where the field is read.
        /// </summary>
        public IMethodSymbol? EnteredThrough { get; }

        public int EnteredOrdinal { get; }

        /// <summary>The same forgery, entering a field through a parameter.</summary>
        public ForgedOrigin Entered(IMethodSymbol method, int ordinal) => new ForgedOrigin(Creation, Source, IsConstant, IsIndexed, method, ordinal, FromPhysical);

        /// <summary>
        /// Made from a physical address (<c>new DmaAddr(buf.PhysicalAddress.Value)</c>): DMA001's defect under DMA008's id,
        /// so reported where it reaches a device on any path, as DMA001 reports a physical address, not only where every path forges.
        /// </summary>
        public bool FromPhysical { get; }

        /// <summary>A bare integer constant (not a bus address made of one): reported only at declared address slots, unless <see cref="IsIndexed"/>.</summary>
        public bool IsConstant { get; }

        /// <summary>
        /// The constant plus an offset scaled from an index (<c>Base + 0x400 * port</c>): the hard-coded base of a
        /// table of hardware structures, an address wherever it is given to a device (a register's command, mask or
        /// length is not indexed so).
        /// </summary>
        public bool IsIndexed { get; }

        public IOperation Creation { get; }

        public string Source { get; }

        /// <summary>The same forgery, indexed.</summary>
        public ForgedOrigin Indexed() => IsIndexed ? this : new ForgedOrigin(Creation, Source, IsConstant, indexed: true, EnteredThrough, EnteredOrdinal, FromPhysical);

        public override bool Equals(object? obj) => obj is ForgedOrigin other && ReferenceEquals(other.Creation, Creation) && other.IsIndexed == IsIndexed
            && other.EnteredOrdinal == EnteredOrdinal && SymbolEqualityComparer.Default.Equals(other.EnteredThrough, EnteredThrough);

        public override int GetHashCode() => Creation.GetHashCode();
    }

    /// <summary>
    /// A value loaded from device-visible memory at <see cref="Operation"/> (a completion entry, a
    /// descriptor the device may have rewritten): what the device wrote, not what the driver mapped. A
    /// bus address rebuilt from it is forged (DMA008): the device, not the DMA API, chose it.
    /// </summary>
    internal sealed class DeviceContentOrigin : Origin
    {
        public DeviceContentOrigin(IOperation operation) => Operation = operation;

        public IOperation Operation { get; }

        public override bool Equals(object? obj) => obj is DeviceContentOrigin other && ReferenceEquals(other.Operation, Operation);

        public override int GetHashCode() => Operation.GetHashCode();
    }

    /// <summary>
    /// A value a helper loads (<c>BinaryPrimitives.Read…</c>, <c>MemoryMarshal.Read</c>…) through memory its caller
    /// gives it — a span or pointer parameter, a field's content (only while summarising a method): resolved where the
    /// helper is called, it is what the device wrote (<see cref="DeviceContentOrigin"/>) when that memory is device
    /// memory there, and a number not known otherwise.
    /// </summary>
    internal sealed class LoadedOrigin : Origin
    {
        public LoadedOrigin(IOperation load, ImmutableHashSet<Origin> memory)
        {
            Load = load;
            Memory = memory;
        }

        public IOperation Load { get; }

        /// <summary>What the memory loaded from is, in the helper's terms (its parameters, fields).</summary>
        public ImmutableHashSet<Origin> Memory { get; }

        public override bool Equals(object? obj) => obj is LoadedOrigin other && ReferenceEquals(other.Load, Load);

        public override int GetHashCode() => Load.GetHashCode();
    }

    /// <summary>
    /// What a call with no body to follow (an extern, another assembly's method) returns as an
    /// address, from the address arguments it was given (<c>PhysToVirt(bar)</c>, <c>MapMMIO(bar, n)</c>):
    /// a translation of a device-memory address addresses the same device memory. Resolved, only the
    /// arguments' device memory counts — never a physical address: the virtual view of ordinary memory
    /// is neither device memory nor physical.
    /// </summary>
    internal sealed class TranslatedOrigin : Origin
    {
        public TranslatedOrigin(SyntaxNode node, ImmutableHashSet<Origin> arguments)
        {
            Node = node;
            Arguments = arguments;
        }

        public SyntaxNode Node { get; }

        /// <summary>The union of the call's address arguments' values.</summary>
        public ImmutableHashSet<Origin> Arguments { get; }

        public override bool Equals(object? obj) => obj is TranslatedOrigin other && ReferenceEquals(other.Node, Node);

        public override int GetHashCode() => Node.GetHashCode();
    }

    /// <summary>
    /// Memory the receiver's own address addresses (only while summarising a method): a physical-source
    /// member of <c>this</c> read in its own type's body (a memory block's <c>Offset</c>). A store through
    /// it is device-visible when the caller's receiver is a block whose address some body hands to the
    /// device (<see cref="AddressSummaries.ReceiverBit"/>).
    /// </summary>
    internal sealed class ReceiverMemoryOrigin : Origin
    {
        public static readonly ReceiverMemoryOrigin Instance = new ReceiverMemoryOrigin();

        private ReceiverMemoryOrigin()
        {
        }
    }

    /// <summary>
    /// The memory of the block a field holds (only as where a <c>receiver-sink</c> call stores): a sink when
    /// the block is one the device reads (its own address reaches a device-visible sink).
    /// </summary>
    internal sealed class BlockMemoryOrigin : Origin
    {
        public BlockMemoryOrigin(IFieldSymbol field) => Field = field;

        public IFieldSymbol Field { get; }

        public override bool Equals(object? obj) => obj is BlockMemoryOrigin other && SymbolEqualityComparer.Default.Equals(other.Field, Field);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Field);
    }

    /// <summary>A delegate to a lambda, local function or method of the compilation: calling it runs <see cref="Function"/>.</summary>
    internal sealed class FunctionOrigin : Origin
    {
        public FunctionOrigin(IMethodSymbol function) => Function = function;

        public IMethodSymbol Function { get; }

        public override bool Equals(object? obj) => obj is FunctionOrigin other && SymbolEqualityComparer.Default.Equals(other.Function, Function);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Function);
    }

    /// <summary>The incoming value of a parameter (only while summarising a method).</summary>
    internal sealed class ParameterOrigin : Origin
    {
        public ParameterOrigin(int ordinal) => Ordinal = ordinal;

        public int Ordinal { get; }

        public override bool Equals(object? obj) => obj is ParameterOrigin other && other.Ordinal == Ordinal;

        public override int GetHashCode() => Ordinal;
    }

    /// <summary>
    /// The raw physical address a parameter marked <c>[PhysicalAddressSource]</c> is given, held in the parameter's
    /// own slot from the method's entry until the body assigns it something else. It never leaves that slot: each
    /// read of the parameter gives a <see cref="PhysicalOrigin"/> of the read instead, which a message names.
    /// </summary>
    internal sealed class GivenPhysicalOrigin : Origin
    {
        public static readonly GivenPhysicalOrigin Instance = new GivenPhysicalOrigin();

        private GivenPhysicalOrigin()
        {
        }
    }

    /// <summary>
    /// A primary constructor's parameter read by a member of its type: the compiler keeps it in a hidden field of the
    /// instance. Only marked (summary mode), so that a sink it reaches makes <c>new T(…)</c> a wrapper call; what it holds
    /// is not resolved (not known).
    /// </summary>
    internal sealed class CapturedOrigin : Origin
    {
        public CapturedOrigin(IParameterSymbol parameter) => Parameter = parameter;

        public IParameterSymbol Parameter { get; }

        public override bool Equals(object? obj) => obj is CapturedOrigin other && SymbolEqualityComparer.Default.Equals(other.Parameter, Parameter);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Parameter);
    }

    /// <summary>Whatever the methods of the field's own type store into it.</summary>
    internal sealed class FieldOrigin : Origin
    {
        public FieldOrigin(IFieldSymbol field) => Field = field;

        public IFieldSymbol Field { get; }

        public override bool Equals(object? obj) => obj is FieldOrigin other && SymbolEqualityComparer.Default.Equals(other.Field, Field);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Field);
    }

    /// <summary>
    /// <c>x.Holder.Member</c>: a member of the object a field (or auto-property) holds, where the field may only ever
    /// hold objects made by <c>new T(…)</c> and the member is set only by T's constructors. Resolved per allocation
    /// site (what each <c>new</c> gave the constructor), not as the union of every T's member; where the field
    /// does not qualify, as the member's own content (<see cref="FieldOrigin"/>).
    /// </summary>
    internal sealed class MadeMemberOrigin : Origin
    {
        public MadeMemberOrigin(IFieldSymbol holder, IFieldSymbol member)
        {
            Holder = holder;
            Member = member;
        }

        /// <summary>The field (an auto-property's backing field) that holds the object.</summary>
        public IFieldSymbol Holder { get; }

        /// <summary>The object's field (an auto-property's backing field) that is read.</summary>
        public IFieldSymbol Member { get; }

        public override bool Equals(object? obj) =>
            obj is MadeMemberOrigin other && SymbolEqualityComparer.Default.Equals(other.Holder, Holder) && SymbolEqualityComparer.Default.Equals(other.Member, Member);

        public override int GetHashCode() => SymbolEqualityComparer.Default.GetHashCode(Holder) ^ SymbolEqualityComparer.Default.GetHashCode(Member);
    }

    /// <summary>The return value (or an out/ref argument) of a call to a method of the same compilation.</summary>
    internal sealed class CallOrigin : Origin
    {
        public CallOrigin(IMethodSymbol method, IOperation site, int parameterOrdinal, ImmutableArray<ImmutableHashSet<Origin>> arguments)
        {
            Method = method;
            Site = site;
            ParameterOrdinal = parameterOrdinal;
            Arguments = arguments;
        }

        public IMethodSymbol Method { get; }

        public IOperation Site { get; }

        /// <summary>-1 for the return value.</summary>
        public int ParameterOrdinal { get; }

        /// <summary>The argument values by parameter ordinal.</summary>
        public ImmutableArray<ImmutableHashSet<Origin>> Arguments { get; }

        // One site may run several bodies (implementations of an interface method, lambdas a delegate may be).
        public override bool Equals(object? obj) =>
            obj is CallOrigin other && ReferenceEquals(other.Site, Site) && other.ParameterOrdinal == ParameterOrdinal && SymbolEqualityComparer.Default.Equals(other.Method, Method);

        public override int GetHashCode() => Site.GetHashCode() ^ ParameterOrdinal;
    }

    /// <summary>
    /// What one member of a value made in the body holds: a tuple literal's element, a positional
    /// record's property given to its constructor. Read back where that member is read; anywhere else
    /// it stands for <see cref="Value"/> (a resolution sees through it).
    /// </summary>
    internal sealed class ElementOrigin : Origin
    {
        public ElementOrigin(IOperation site, string member, ImmutableHashSet<Origin> value)
        {
            Site = site;
            Member = member;
            Value = value;
        }

        /// <summary>Where the value was made (the tuple, the <c>new</c>).</summary>
        public IOperation Site { get; }

        /// <summary>The member's name: a tuple's default element name (<c>Item1</c>), a record's property.</summary>
        public string Member { get; }

        public ImmutableHashSet<Origin> Value { get; }

        public override bool Equals(object? obj) =>
            obj is ElementOrigin other && ReferenceEquals(other.Site, Site) && other.Member == Member && other.Value.SetEquals(Value);

        public override int GetHashCode() => Site.GetHashCode() ^ Member.GetHashCode();
    }
}
