using DmaDiscipline.Runtime;
using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Runner.Scenario;

/// <summary>A device of a test bed: the machine's device, its virtio model and the transport a driver talks to.</summary>
/// <param name="Slot">What the scenario asked for.</param>
/// <param name="Device">The machine's device (its DMA API and bus).</param>
/// <param name="Model">The virtio device model.</param>
/// <param name="Transport">The virtio-mmio register window.</param>
internal sealed record BoundDevice(DeviceSlot Slot, Device Device, VirtioDeviceModel Model, VirtioMmioTransport Transport);
