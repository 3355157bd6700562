namespace DmaDiscipline.Samples.Drivers.Userspace;

/// <summary>One buffer of a userspace request: an IOVA the driver mapped into its container, a length, and who writes it.</summary>
/// <param name="Iova">Address in the container's I/O address space.</param>
/// <param name="Length">Bytes.</param>
/// <param name="DeviceWrites">True for a device-writable buffer.</param>
public readonly record struct IovaSegment(ulong Iova, int Length, bool DeviceWrites);
