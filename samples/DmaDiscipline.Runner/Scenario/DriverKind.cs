namespace DmaDiscipline.Runner.Scenario;

/// <summary>A driver of the matrix: its name (for <c>--driver</c>), family, device, and how to probe it on a device.</summary>
/// <param name="Name">Row name.</param>
/// <param name="Family">Legacy, disciplined or userspace.</param>
/// <param name="Device">Which virtio device it drives.</param>
/// <param name="Description">What it is, in one line.</param>
/// <param name="Probe">Binds the driver to a device (returns an <c>INetDriver</c> or <c>IBlkDriver</c>).</param>
internal sealed record DriverKind(string Name, DriverFamily Family, DeviceKind Device, string Description, Func<BoundDevice, PlatformScenario, IDisposable> Probe);
