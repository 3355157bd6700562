using DmaDiscipline.Runtime;

// A tour of the simulated machine: three devices in the three domain kinds, one driver doing the
// same DMA API calls for each, a device blocked by the IOMMU, and the DMA debug report.
var machine = new Machine(new MachineOptions
{
    Memory = new PhysicalMemoryOptions { DefaultPlacement = MemoryPlacement.Above4G },
    DomainOverrides = new Dictionary<DeviceId, DomainKind>
    {
        [DeviceId.Parse("00:02.0")] = DomainKind.Identity,
        [DeviceId.Parse("00:04.0")] = DomainKind.Blocked,
    },
});

Device passthrough = machine.AddDevice(DeviceId.Parse("00:02.0"), new DeviceOptions { Name = "nic (passthrough)" });
Device translated = machine.AddDevice(DeviceId.Parse("00:03.0"), new DeviceOptions { Name = "nic (translated)" });
Device blocked = machine.AddDevice(DeviceId.Parse("00:04.0"), new DeviceOptions { Name = "nic (blocked)" });

Console.WriteLine("== Platform log");
foreach (string line in machine.Log)
{
    Console.WriteLine($"  {line}");
}

Console.WriteLine();
Console.WriteLine("== The same driver code on every device: map, let the device read, unmap");
Span<byte> seen = stackalloc byte[21];
foreach (Device device in new[] { passthrough, translated, blocked })
{
    KBuffer packet = machine.Memory.Allocate(1500);
    "hello from the driver"u8.CopyTo(packet.Span);
    DmaAddr bus = device.Dma.MapSingle(packet, 0, 1500, DmaDirection.ToDevice);
    if (device.Dma.MappingError(bus))
    {
        Console.WriteLine($"  {device}: mapping failed");
        machine.Memory.Free(packet);
        continue;
    }

    bool ok = device.Bus.TryRead(bus, seen);
    Console.WriteLine($"  {device.Name,-18} buffer at {packet.PhysicalAddress}, device given {bus}: " +
        (ok ? $"device read \"{System.Text.Encoding.ASCII.GetString(seen)}\"" : "device read FAULTED"));
    device.Dma.UnmapSingle(bus, 1500, DmaDirection.ToDevice);
    machine.Memory.Free(packet);
}

Console.WriteLine();
Console.WriteLine("== A legacy driver hands the translated device a raw physical address");

// The next lines are the bug on purpose, to show what the runtime does with it; the analyzers
// report them (DMA001), and this demo silences them the way a user would for a deliberate case.
#pragma warning disable DMA001
KBuffer raw = machine.Memory.Allocate(64);
raw.Span.Fill(0xAA);
bool wrote = translated.Bus.TryWrite(new DmaAddr(raw.PhysicalAddress.Value), new byte[64]);
Console.WriteLine($"  device write at the physical address: {(wrote ? "went through" : "blocked")}; buffer still 0xAA: {raw.Span.IndexOfAnyExcept((byte)0xAA) < 0}");

Console.WriteLine("  ... and the passthrough device, where nothing faults:");
wrote = passthrough.Bus.TryWrite(new DmaAddr(raw.PhysicalAddress.Value), new byte[64]);
Console.WriteLine($"  device write: {(wrote ? "went through (the debug layer still reports it)" : "blocked")}");
#pragma warning restore DMA001
machine.Memory.Free(raw);

Console.WriteLine();
Console.WriteLine("== A driver that forgets the unmap, and one that reads before syncing");
KBuffer rx = machine.Memory.Allocate(2048);
DmaAddr rxBus = translated.Dma.MapSingle(rx, 0, 2048, DmaDirection.FromDevice);
if (!translated.Dma.MappingError(rxBus))
{
    translated.Bus.TryWrite(rxBus, "incoming packet"u8);
#pragma warning disable DMA005 // deliberately reads before SyncForCpu, so the debug layer reports it
    Console.WriteLine($"  CPU reads before SyncForCpu: first byte 0x{rx.Span[0]:x2}");
#pragma warning restore DMA005
}

translated.UnbindDriver();

Console.WriteLine();
Console.WriteLine("== IOMMU fault log");
foreach (IommuFault fault in machine.Faults.Records)
{
    Console.WriteLine($"  {fault}");
}

if (translated.Domain?.IoTlb is { } iotlb)
{
    Console.WriteLine($"  IOTLB of {translated.Domain}: {iotlb.Hits} hits, {iotlb.Misses} misses");
}

Console.WriteLine();
Console.WriteLine("== DMA debug report");
Console.Write(machine.Debug.Report());
