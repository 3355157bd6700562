using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.CpuAccessWhileDeviceOwnedFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA005 → SyncForCpu before the CPU touches a device-owned buffer, SyncForDevice to hand it back.</summary>
public sealed class CpuAccessWhileDeviceOwnedFixerTests
{
    [Fact]
    public Task Peek_at_a_receive_buffer_still_posted_syncs_both_ways() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private DmaAddr _rx;

            public int Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 256, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 256);
                int first = {|#0:buffer.Span|}[0];
                _rx = addr;
                return first;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private DmaAddr _rx;

            public int Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 256, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 256);
                dma.SyncForCpu(addr, 256, DmaDirection.FromDevice);
                int first = buffer.Span[0];
                dma.SyncForDevice(addr, 256, DmaDirection.FromDevice);
                _rx = addr;
                return first;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0));

    [Fact]
    public Task An_unmap_only_on_a_failure_branch_is_not_the_next_use_so_the_buffer_is_handed_back() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private KBuffer _buffer = null!;

            public bool Send(DmaApi dma, Ring ring, System.ReadOnlySpan<byte> frame)
            {
                var addr = dma.MapSingle(_buffer, 0, 64, DmaDirection.Bidirectional);
                if (dma.MappingError(addr))
                {
                    return false;
                }

                frame.CopyTo({|#0:_buffer.Span|}[4..]);
                if (!ring.Completed(0))
                {
                    dma.UnmapSingle(addr, 64, DmaDirection.Bidirectional);
                    return false;
                }

                ring.Post(addr.Value, 64);
                dma.UnmapSingle(addr, 64, DmaDirection.Bidirectional);
                return true;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private KBuffer _buffer = null!;

            public bool Send(DmaApi dma, Ring ring, System.ReadOnlySpan<byte> frame)
            {
                var addr = dma.MapSingle(_buffer, 0, 64, DmaDirection.Bidirectional);
                if (dma.MappingError(addr))
                {
                    return false;
                }

                dma.SyncForCpu(addr, 64, DmaDirection.Bidirectional);
                frame.CopyTo(_buffer.Span[4..]);
                dma.SyncForDevice(addr, 64, DmaDirection.Bidirectional);
                if (!ring.Completed(0))
                {
                    dma.UnmapSingle(addr, 64, DmaDirection.Bidirectional);
                    return false;
                }

                ring.Post(addr.Value, 64);
                dma.UnmapSingle(addr, 64, DmaDirection.Bidirectional);
                return true;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0));

    [Fact]
    public Task An_if_body_becomes_a_block_around_the_syncs() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Read(DmaApi dma, Ring ring, KBuffer buffer, int length)
            {
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.Bidirectional);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, length);
                if (ring.Completed(0))
                    buffer.Span[0] = 1;
                dma.UnmapSingle(addr, length, DmaDirection.Bidirectional);
                return 0;
            }
        }
        """.Replace("buffer.Span[0] = 1", "{|#0:buffer.Span|}[0] = 1"),
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Read(DmaApi dma, Ring ring, KBuffer buffer, int length)
            {
                var addr = dma.MapSingle(buffer, 0, length, DmaDirection.Bidirectional);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, length);
                if (ring.Completed(0))
                {
                    dma.SyncForCpu(addr, length, DmaDirection.Bidirectional);
                    buffer.Span[0] = 1;
                    dma.SyncForDevice(addr, length, DmaDirection.Bidirectional);
                }

                dma.UnmapSingle(addr, length, DmaDirection.Bidirectional);
                return 0;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0));

    [Fact]
    public Task Access_just_before_the_unmap_only_syncs_for_the_cpu() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Read(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 512, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 512);
                int status = {|#0:buffer.Span|}[511];
                dma.UnmapSingle(addr, 512, DmaDirection.FromDevice);
                return status;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Read(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 512, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 512);
                dma.SyncForCpu(addr, 512, DmaDirection.FromDevice);
                int status = buffer.Span[511];
                dma.UnmapSingle(addr, 512, DmaDirection.FromDevice);
                return status;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0));

    [Fact]
    public Task Access_just_before_the_drivers_own_hand_back_only_syncs_for_the_cpu() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Peek(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 512, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 512);
                int status = {|#0:buffer.Span|}[511];
                dma.SyncForDevice(addr, 512, DmaDirection.FromDevice);
                dma.UnmapSingle(addr, 512, DmaDirection.FromDevice);
                return status;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public int Peek(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 512, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 512);
                dma.SyncForCpu(addr, 512, DmaDirection.FromDevice);
                int status = buffer.Span[511];
                dma.SyncForDevice(addr, 512, DmaDirection.FromDevice);
                dma.UnmapSingle(addr, 512, DmaDirection.FromDevice);
                return status;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0));

    [Fact]
    public Task Fix_all_wraps_consecutive_accesses_in_one_sync_pair() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private DmaAddr _rx;

            public int Peek(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 256, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 256);
                int first = {|#0:buffer.Span|}[0];
                int second = {|#1:buffer.Span|}[1];
                _rx = addr;
                return first + second;
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            private DmaAddr _rx;

            public int Peek(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 256, DmaDirection.FromDevice);
                if (dma.MappingError(addr))
                {
                    return -12;
                }

                ring.PostWritable(addr.Value, 256);
                dma.SyncForCpu(addr, 256, DmaDirection.FromDevice);
                int first = buffer.Span[0];
                int second = buffer.Span[1];
                dma.SyncForDevice(addr, 256, DmaDirection.FromDevice);
                _rx = addr;
                return first + second;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0),
        V.Diagnostic("DMA005").WithLocation(1));

    [Fact]
    public Task No_fix_when_the_mapping_is_not_kept() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Post(DmaApi dma, Ring ring, KBuffer buffer)
            {
                ring.Post({|#1:dma.MapSingle(buffer, 0, 64, DmaDirection.FromDevice)|}, 64);
                {|#0:buffer.Span|}[0] = 0;
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0),
        // Never checked, and Ring.Post(DmaAddr) gives its number to the device.
        V.Diagnostic("DMA003").WithLocation(1).WithLocation(1));

    [Fact]
    public Task An_address_handed_to_the_device_before_the_unmap_is_a_use_so_the_buffer_is_handed_back() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                {|#0:buffer.Span|}[0] = 1;
                ring.Post(addr.Value, 64);
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                dma.SyncForCpu(addr, 64, DmaDirection.ToDevice);
                buffer.Span[0] = 1;
                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                ring.Post(addr.Value, 64);
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA005").WithLocation(0));
}
