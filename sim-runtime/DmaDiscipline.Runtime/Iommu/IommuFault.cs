namespace DmaDiscipline.Runtime;

/// <summary>
/// A fault record, like a VT-d fault recording register: which device, which bus address, read or
/// write, and why. The faulting transaction changed no byte of memory and returned no content.
/// </summary>
/// <param name="Sequence">Order of the fault on this machine, from 1.</param>
/// <param name="Device">The requester id.</param>
/// <param name="Address">The bus address the device used.</param>
/// <param name="Access">Read or write.</param>
/// <param name="Reason">Why it was blocked.</param>
public sealed record IommuFault(long Sequence, DeviceId Device, DmaAddr Address, DmaAccess Access, FaultReason Reason)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"DMAR fault #{Sequence}: [{Device}] {(Access == DmaAccess.Write ? "write" : "read")} at 0x{Address.Value:x}: {Reason}";
}
