namespace DmaDiscipline.Runtime;

/// <summary>
/// Host bytes behind a run of physical frames: a <see cref="KBuffer"/>'s array (its pages share it so
/// its <see cref="KBuffer.Span"/> is contiguous), or one page backed on first touch.
/// </summary>
internal sealed class PageBacking
{
    public PageBacking(byte[] data, ulong firstFrame)
    {
        Data = data;
        FirstFrame = firstFrame;
    }

    public byte[] Data { get; }

    public ulong FirstFrame { get; }

    public Span<byte> Page(ulong frame) => Data.AsSpan((int)((frame - FirstFrame) << PhysicalMemory.PageShift), PhysicalMemory.PageSize);
}
