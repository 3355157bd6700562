using System.Text;
using DmaDiscipline.Runtime.Virtio;
using DmaDiscipline.Runtime.Virtio.Blk;

namespace DmaDiscipline.Runtime.Tests.Virtio;

/// <summary>virtio-blk requests on the in-memory disk over a split ring.</summary>
public sealed class BlkDeviceTests
{
    private readonly VirtioBlkDevice _blk = new(new VirtioBlkOptions { CapacitySectors = 64 });
    private readonly VirtioHarness _h;
    private readonly SplitRing _ring;

    public BlkDeviceTests()
    {
        _h = new VirtioHarness(_blk);
        _ring = _h.Split(0);
    }

    private byte Submit(int slot, uint type, ulong sector, int length, bool dataWritable = true)
    {
        _ring.Offer(Requests.Blk(_h, _ring, slot, type, sector, length, dataWritable));
        _h.Kick(0);
        return Requests.Status(_h, slot);
    }

    [Fact]
    public void Out_ThenIn_ReturnsTheSameSectors()
    {
        byte[] pattern = Machines.Pattern(1024, 0x21);
        pattern.CopyTo(Requests.Data(_h, 0, 1024));

        byte written = Submit(0, VirtioBlkReq.TypeOut, 10, 1024, dataWritable: false);
        byte read = Submit(1, VirtioBlkReq.TypeIn, 10, 1024);

        Assert.Equal((VirtioBlkReq.StatusOk, VirtioBlkReq.StatusOk), (written, read));
        Assert.Equal(pattern, Requests.Data(_h, 1, 1024).ToArray());
        Assert.Equal(pattern, _blk.Disk.Slice(10 * 512, 1024).ToArray());
        Assert.Equal((2, 2), (_blk.SectorsWritten, _blk.SectorsRead));
        Assert.Equal((1u, 1024u + 1), (_ring.Used(0).Len, _ring.Used(1).Len)); // bytes written into each chain
        Assert.Equal((0u, 3u), (_ring.Used(0).Id, _ring.Used(1).Id));
    }

    [Fact]
    public void Flush_CompletesOk()
    {
        Assert.Equal(VirtioBlkReq.StatusOk, Submit(0, VirtioBlkReq.TypeFlush, 0, 0));
        Assert.Equal(1, _blk.Flushes);
    }

    [Fact]
    public void GetId_WritesTheSerial()
    {
        Assert.Equal(VirtioBlkReq.StatusOk, Submit(0, VirtioBlkReq.TypeGetId, 0, VirtioBlkReq.IdBytes));

        Assert.Equal("DMADISCIPLINE-BLK\0\0\0", Encoding.ASCII.GetString(Requests.Data(_h, 0, VirtioBlkReq.IdBytes)));
    }

    [Fact]
    public void UnknownType_IsUnsupported()
    {
        Assert.Equal(VirtioBlkReq.StatusUnsupp, Submit(0, 11, 0, 0)); // VIRTIO_BLK_T_DISCARD: not offered
        Assert.Equal(1, _blk.Unsupported);
    }

    [Theory]
    [InlineData(64ul, 512)] // first sector past the end
    [InlineData(63ul, 1024)] // runs past the end
    [InlineData(ulong.MaxValue, 512)] // sector + length overflows
    public void SectorsPastTheEnd_FailWithIoErr(ulong sector, int length)
    {
        _blk.Disk.Fill(0x33);

        byte status = Submit(0, VirtioBlkReq.TypeOut, sector, length, dataWritable: false);

        Assert.Equal(VirtioBlkReq.StatusIoErr, status);
        Assert.Contains("past the end", _h.LastError.Message);
        Assert.False(_h.LastError.NeedsReset);
        Assert.True(_blk.Disk.ToArray().All(b => b == 0x33));
    }

    [Fact]
    public void PartialSector_FailsWithIoErr()
    {
        Assert.Equal(VirtioBlkReq.StatusIoErr, Submit(0, VirtioBlkReq.TypeIn, 0, 100));
        Assert.Contains("not a multiple of 512", _h.LastError.Message);
    }

    [Fact]
    public void ReadOnlyDisk_RefusesWrites()
    {
        var blk = new VirtioBlkDevice(new VirtioBlkOptions { ReadOnly = true });
        var h = new VirtioHarness(blk, features: VirtioHarness.Modern | VirtioBlkFeatures.Ro);
        SplitRing ring = h.Split(0);

        ring.Offer(Requests.Blk(h, ring, 0, VirtioBlkReq.TypeOut, 0, 512, dataWritable: false));
        h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusIoErr, Requests.Status(h, 0));
        Assert.Equal(VirtioBlkFeatures.Ro, h.Transport.DeviceFeatures & VirtioBlkFeatures.Ro);
    }

    [Fact]
    public void DataBufferTheDeviceCannotReach_FailsWithIoErr_AndTheDiskIsUnchanged()
    {
        KBuffer unmapped = _h.Machine.Memory.Allocate(4096);
        Requests.WriteBlkHeader(_h, 0, VirtioBlkReq.TypeOut, 0);
        _ring.SetDesc(0, _h.At(0), 16, VirtqDescFlags.Next, 1);
        _ring.SetDesc(1, unmapped.PhysicalAddress.Value, 512, VirtqDescFlags.Next, 2);
        _ring.SetDesc(2, _h.At(Requests.StatusAt), 1, VirtqDescFlags.Write);
        _blk.Disk.Fill(0x44);

        _ring.Offer(0);
        _h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusIoErr, Requests.Status(_h, 0));
        Assert.Equal(VirtioErrorKind.BufferDmaFault, _h.LastError.Kind);
        Assert.True(_blk.Disk.ToArray().All(b => b == 0x44));
        Assert.False(_h.NeedsReset);
    }

    [Fact]
    public void DataLengthRunningPastTheMappedBuffer_FailsWithIoErr_AndWritesNothing()
    {
        int dataAt = _h.Data.Length - 256; // the last 256 bytes of the mapping, then a page the device has no translation for
        _blk.Disk.Fill(0x55);
        _h.Data.Span[dataAt..].Fill(0xEE);
        Requests.WriteBlkHeader(_h, 0, VirtioBlkReq.TypeIn, 0);
        _ring.SetDesc(0, _h.At(0), 16, VirtqDescFlags.Next, 1);
        _ring.SetDesc(1, _h.At(dataAt), 512, VirtqDescFlags.Next | VirtqDescFlags.Write, 2);
        _ring.SetDesc(2, _h.At(Requests.StatusAt), 1, VirtqDescFlags.Write);

        _ring.Offer(0);
        _h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusIoErr, Requests.Status(_h, 0));
        Assert.Equal(VirtioErrorKind.BufferDmaFault, _h.LastError.Kind);
        Assert.True(_h.Data.Span[dataAt..].ToArray().All(b => b == 0xEE)); // the faulting transaction wrote nothing
        Assert.Contains(_h.Machine.Faults.Records, f => f.Access == DmaAccess.Write && f.Address.Value == _h.At(_h.Data.Length));
    }

    [Fact]
    public void AnyFraming_HeaderSplitAcrossDescriptors_AndIndirect()
    {
        var blk = new VirtioBlkDevice();
        var h = new VirtioHarness(blk, features: VirtioHarness.Modern | VirtioFeatures.IndirectDesc);
        SplitRing ring = h.Split(0);
        Requests.WriteBlkHeader(h, 0, VirtioBlkReq.TypeOut, 2);
        Machines.Pattern(512, 9).CopyTo(Requests.Data(h, 0, 512));
        Span<byte> table = h.Data.Span.Slice(8192, 64);
        new VirtqDesc(h.At(0), 10, VirtqDescFlags.Next, 1).Write(table);
        new VirtqDesc(h.At(10), 6, VirtqDescFlags.Next, 2).Write(table[16..]);
        new VirtqDesc(h.At(Requests.DataAt), 512, VirtqDescFlags.Next, 3).Write(table[32..]);
        new VirtqDesc(h.At(Requests.StatusAt), 1, VirtqDescFlags.Write, 0).Write(table[48..]);
        ring.SetDesc(0, h.At(8192), 64, VirtqDescFlags.Indirect);

        ring.Offer(0);
        h.Kick(0);

        Assert.Equal(VirtioBlkReq.StatusOk, Requests.Status(h, 0));
        Assert.Equal(Machines.Pattern(512, 9), blk.Disk.Slice(1024, 512).ToArray());
    }

    [Fact]
    public void ManyRequests_WrapTheFreeRunningIndices()
    {
        for (int i = 0; i < 70_000; i++)
        {
            _ring.Offer(Requests.Blk(_h, _ring, 0, VirtioBlkReq.TypeFlush, 0, 0));
            _h.Kick(0);
        }

        Assert.Equal(70_000 % 65_536, _ring.UsedIdx);
        Assert.Equal(70_000, _blk.Flushes);
        Assert.Empty(_h.Transport.Errors);
    }
}
