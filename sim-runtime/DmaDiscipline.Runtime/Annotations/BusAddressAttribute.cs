namespace DmaDiscipline.Runtime;

/// <summary>
/// Marks a parameter, field or property whose value a device will use as a bus address (a
/// descriptor's address field, a queue area register, a doorbell payload). Only a
/// <see cref="DmaAddr"/> from the <see cref="DmaApi"/> may flow there; the DmaDiscipline analyzers
/// report a raw physical address reaching it (DMA001).
/// </summary>
/// <remarks>
/// <see cref="DeviceReads"/> and <see cref="DeviceWrites"/> say what the device does with the memory
/// at that address when the layout fixes it (a receive descriptor's buffer field is written by the
/// device; a transmit one only read). The DMA001 code fix maps the buffer in that direction; when
/// neither is set and no descriptor flag tells, the fix offers every direction instead of guessing.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class BusAddressAttribute : Attribute
{
    /// <summary>The device reads the memory at this address (the buffer is mapped <c>ToDevice</c>, or <c>Bidirectional</c> with <see cref="DeviceWrites"/>).</summary>
    public bool DeviceReads { get; set; }

    /// <summary>The device writes the memory at this address (the buffer is mapped <c>FromDevice</c>, or <c>Bidirectional</c> when the CPU fills it first).</summary>
    public bool DeviceWrites { get; set; }
}
