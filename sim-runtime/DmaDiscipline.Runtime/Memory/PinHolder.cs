namespace DmaDiscipline.Runtime;

/// <summary>A live mapping that pins a buffer: named in the refusal when the buffer is freed under it.</summary>
/// <param name="Device">The device the mapping is for.</param>
/// <param name="Kind">Streaming single, scatter-gather, coherent or VFIO.</param>
/// <param name="Address">The mapping's bus address (an IOVA for VFIO).</param>
/// <param name="Length">The mapping's length in bytes.</param>
/// <param name="Direction">The mapping's direction (Bidirectional for coherent and VFIO).</param>
internal readonly record struct PinHolder(DeviceId Device, MappingKind Kind, DmaAddr Address, int Length, DmaDirection Direction)
{
    public override string ToString() => Kind switch
    {
        MappingKind.Vfio => $"the VFIO container mapping at IOVA 0x{Address.Value:x} ({Length} bytes) of {Device}",
        MappingKind.Coherent => $"the coherent buffer at {Address} ({Length} bytes) of {Device}",
        _ => $"the {Kind} mapping {Address} ({Length} bytes, {Direction}) of {Device}",
    };
}
