namespace DmaDiscipline.Runtime.Virtio;

/// <summary>The per-queue registers of the virtio-mmio window as the driver last wrote them.</summary>
internal sealed class VirtioQueueRegisters
{
    public uint Num { get; set; }

    public bool Ready { get; set; }

    public ulong Desc { get; set; }

    public ulong Driver { get; set; }

    public ulong Device { get; set; }

    public void Clear()
    {
        Num = 0;
        Ready = false;
        Desc = 0;
        Driver = 0;
        Device = 0;
    }

    public static ulong SetLow(ulong value, uint low) => (value & 0xffff_ffff_0000_0000UL) | low;

    public static ulong SetHigh(ulong value, uint high) => (value & 0xffff_ffffUL) | ((ulong)high << 32);
}
