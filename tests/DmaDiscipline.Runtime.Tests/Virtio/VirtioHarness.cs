using DmaDiscipline.Runtime.Virtio;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>
/// A minimal test-side driver: brings a virtio-mmio device up with chosen features, places each queue's
/// ring in a coherent buffer and gives the test a coherent data area for request buffers. The rings are
/// written byte by byte through the spec's layout constants, so a test can also write them wrong.
/// </summary>
internal sealed class VirtioHarness
{
    public const ulong Modern = VirtioFeatures.Version1 | VirtioFeatures.AccessPlatform;

    public VirtioHarness(
        VirtioDeviceModel model,
        ulong features = Modern,
        int queueSize = 8,
        Machine? machine = null,
        DeviceOptions? deviceOptions = null,
        VirtioTransportOptions? transportOptions = null,
        int dataSize = 64 << 10,
        bool start = true)
    {
        Machine = machine ?? Machines.With();
        Device = Machine.AddDevice(Machines.Nic, deviceOptions);
        Transport = new VirtioMmioTransport(Device, model, transportOptions);
        Transport.Interrupt += bits =>
        {
            lock (Interrupts)
            {
                Interrupts.Add(bits); // queues driven from several threads raise it on each
            }
        };
        QueueSize = queueSize;

        // Negotiated before anything is mapped, as a driver must: the features decide the DMA path.
        if (start)
        {
            Assert.True(Negotiate(features), Transport.FeaturesRejectedReason);
        }

        Data = Device.Dma.AllocCoherent(dataSize);
        if (start)
        {
            SetupQueues();
            DriverOk();
        }
    }

    public Machine Machine { get; }

    public Device Device { get; }

    public VirtioMmioTransport Transport { get; }

    public int QueueSize { get; }

    public CoherentBuffer Data { get; }

    public List<VirtioInterrupt> Interrupts { get; } = new();

    public List<TestRing> Rings { get; } = new();

    public SplitRing Split(int queue) => (SplitRing)Rings[queue];

    public PackedRing Packed(int queue) => (PackedRing)Rings[queue];

    /// <summary>Bus address of a byte of the data area.</summary>
    public ulong At(int offset) => Data.DmaAddress.Value + (ulong)offset;

    public bool NeedsReset => (Transport.Status & VirtioStatus.DeviceNeedsReset) != 0;

    public uint Read(int register) => Transport.Read(register);

    public void Write(int register, uint value) => Transport.Write(register, value);

    /// <summary>ACKNOWLEDGE, DRIVER, the feature words, FEATURES_OK; true if FEATURES_OK stuck.</summary>
    public bool Negotiate(ulong features)
    {
        Write(VirtioMmio.Status, 0);
        Write(VirtioMmio.Status, (uint)VirtioStatus.Acknowledge);
        Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver));
        Write(VirtioMmio.DriverFeaturesSel, 0);
        Write(VirtioMmio.DriverFeatures, (uint)features);
        Write(VirtioMmio.DriverFeaturesSel, 1);
        Write(VirtioMmio.DriverFeatures, (uint)(features >> 32));
        Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk));
        return (Read(VirtioMmio.Status) & (uint)VirtioStatus.FeaturesOk) != 0;
    }

    public void SetupQueues()
    {
        bool packed = (Transport.NegotiatedFeatures & VirtioFeatures.RingPacked) != 0;
        for (int q = 0; q < Transport.QueueCount; q++)
        {
            TestRing ring = packed ? new PackedRing(Device, QueueSize) : new SplitRing(Device, QueueSize);
            Rings.Add(ring);
            Write(VirtioMmio.QueueSel, (uint)q);
            Write(VirtioMmio.QueueNum, (uint)QueueSize);
            Write(VirtioMmio.QueueDescLow, (uint)ring.DescArea);
            Write(VirtioMmio.QueueDescHigh, (uint)(ring.DescArea >> 32));
            Write(VirtioMmio.QueueDriverLow, (uint)ring.DriverArea);
            Write(VirtioMmio.QueueDriverHigh, (uint)(ring.DriverArea >> 32));
            Write(VirtioMmio.QueueDeviceLow, (uint)ring.DeviceArea);
            Write(VirtioMmio.QueueDeviceHigh, (uint)(ring.DeviceArea >> 32));
            Write(VirtioMmio.QueueReady, 1);
        }
    }

    public void DriverOk() =>
        Write(VirtioMmio.Status, (uint)(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk));

    public void Kick(int queue) => Write(VirtioMmio.QueueNotify, (uint)queue);

    public VirtioDeviceError LastError => Assert.IsType<VirtioDeviceError>(Transport.Errors.LastOrDefault());
}

/// <summary>A queue's ring memory, driver side.</summary>
internal abstract class TestRing
{
    protected TestRing(Device device, int size, int bytes)
    {
        Size = size;
        Memory = device.Dma.AllocCoherent(bytes);
    }

    public int Size { get; }

    public CoherentBuffer Memory { get; }

    public Span<byte> Bytes => Memory.Span;

    public abstract ulong DescArea { get; }

    public abstract ulong DriverArea { get; }

    public abstract ulong DeviceArea { get; }
}
