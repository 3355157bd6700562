using System;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>What a symbol means to the DMA rules. A symbol can have several roles.</summary>
    [Flags]
    internal enum DmaRole
    {
        None = 0,
        /// <summary>Yields a CPU physical address (a method's return, a property, a field, or every value of a type).</summary>
        PhysicalSource = 1 << 0,
        /// <summary>A device-visible address slot: a parameter, field or property the device reads as a bus address.</summary>
        BusSink = 1 << 1,
        /// <summary>Creates a streaming mapping (returns its handle, or maps its first argument in place).</summary>
        Map = 1 << 2,
        /// <summary>Releases a streaming mapping.</summary>
        Unmap = 1 << 3,
        /// <summary>Hands a streaming buffer to the CPU.</summary>
        SyncForCpu = 1 << 4,
        /// <summary>Hands a streaming buffer back to the device.</summary>
        SyncForDevice = 1 << 5,
        /// <summary>Tests a mapping handle for failure (true = failed).</summary>
        MappingErrorCheck = 1 << 6,
        /// <summary>Allocates a coherent buffer.</summary>
        CoherentAlloc = 1 << 7,
        /// <summary>Frees a coherent buffer.</summary>
        CoherentFree = 1 << 8,
        /// <summary>Tells a driver whether or how the platform translates addresses (IOMMU present, domain kind, passthrough).</summary>
        TranslationQuery = 1 << 9,
        /// <summary>CPU access to a buffer's contents (a Span).</summary>
        CpuAccess = 1 << 10,
        /// <summary>A type (or every value of it) that is a bus address: DmaAddr.</summary>
        BusAddressType = 1 << 11,
        /// <summary>Platform code (the DMA API's implementation): the driver rules do not apply inside it.</summary>
        Platform = 1 << 12,
        /// <summary>A map whose mapping is released elsewhere by design (long-lived: page tables, pools): no release is owed in the caller.</summary>
        PersistentMap = 1 << 13,
        /// <summary>Addresses memory a device reads (an MMIO BAR mapping, a coherent region, a descriptor ring): a store through it is device-visible.</summary>
        DeviceMemory = 1 << 14,
        /// <summary>Returns its first argument's number (an endianness identity, a checked cast): what the argument carries, the result carries. For methods whose body is not in the compilation.</summary>
        ValuePreserving = 1 << 15,
        /// <summary>Stores a parameter into the memory its receiver's own address addresses (a memory block's <c>Write32</c>): a sink at a call whose receiver is a block the device reads.</summary>
        ReceiverSink = 1 << 16,
        /// <summary>The object a field or property holds is only ever made with this member content (<see cref="MadeWith"/>): a published summary, or a line of the symbols file.</summary>
        MadeWith = 1 << 17,
        /// <summary>
        /// A DMA API call the mapping rules do not otherwise follow that reports failure by its value (the runtime's
        /// <c>TryAllocCoherent</c>, the kernel's NULL-returning <c>dma_alloc_coherent</c>): like the followed ones, taken
        /// not to throw into a catch handler.
        /// </summary>
        FailsByValue = 1 << 18,
    }
}
