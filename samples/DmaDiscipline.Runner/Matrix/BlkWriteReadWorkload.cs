using DmaDiscipline.Runtime.Virtio.Blk;
using DmaDiscipline.Runtime;
using DmaDiscipline.Samples.Drivers.Virtio;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Writes 4 KiB blocks with a pattern of the block's position at queue depth, then reads every block
/// back into a clean buffer and compares byte for byte. The data pages are the caller's (the
/// bio's): kernel memory the driver maps per request. The CPU touches a page only while no
/// request holds it.
/// </summary>
internal static class BlkWriteReadWorkload
{
    /// <summary>Bytes per request.</summary>
    public const int BlockSize = 4096;

    private const int SectorsPerBlock = BlockSize / 512;
    private const int MaxIdlePolls = 4;

    private static readonly Pattern Data = new(BlockSize, i => (byte)((i * 3) + (i >> 8)));

    /// <summary>
    /// The data pages of one request queue, one per request in flight (<paramref name="driver"/>'s
    /// queue depth), allocated before the workload runs — the caller's memory, like a bio's, not part
    /// of the I/O that is measured. They also go into <paramref name="pagesToFree"/>: the caller frees
    /// them after the driver let go of the device.
    /// </summary>
    public static KBuffer[] AllocatePages(IBlkQueue driver, PhysicalMemory memory, List<KBuffer> pagesToFree)
    {
        var pages = new KBuffer[Math.Max(1, driver.QueueDepth)];
        for (int i = 0; i < pages.Length; i++)
        {
            pages[i] = memory.Allocate(BlockSize);
            pagesToFree.Add(pages[i]);
        }

        return pages;
    }

    /// <summary>
    /// Runs <paramref name="requests"/> requests (half writes, half reads) through one request queue of a
    /// driver (the driver itself for its first) on <paramref name="blocks"/> blocks from <paramref name="firstBlock"/>
    /// (queues running at once get disjoint ranges, so each reads back only what it wrote), with the
    /// data <paramref name="pages"/> from <see cref="AllocatePages"/>: as many requests in flight as there are pages.
    /// </summary>
    public static void Run(IBlkQueue driver, KBuffer[] pages, int requests, int firstBlock, int blocks, WorkloadResult result)
    {
        int depth = pages.Length;
        var block = new int[depth];
        var free = new Stack<int>(depth);
        for (int i = 0; i < depth; i++)
        {
            free.Push(i);
        }

        int writes = requests / 2;
        Phase(write: true);
        Phase(write: false);

        void Phase(bool write)
        {
            int next = 0;
            int done = 0;
            int idle = 0;
            while (done < writes && idle < MaxIdlePolls)
            {
                bool queued = false;
                while (next < writes && free.TryPop(out int tag))
                {
                    block[tag] = firstBlock + (next % blocks);
                    Span<byte> data = pages[tag].Span;
                    if (write)
                    {
                        Fill(data, block[tag]);
                    }
                    else
                    {
                        data.Clear();
                    }

                    result.Attempted++;
                    if (!driver.Submit(write, (ulong)block[tag] * SectorsPerBlock, pages[tag], BlockSize, tag))
                    {
                        free.Push(tag);
                        break;
                    }

                    next++;
                    queued = true;
                }

                if (queued)
                {
                    driver.Kick();
                }

                bool progress = false;
                while (driver.TryComplete(out int tag, out bool ok))
                {
                    progress = true;
                    done++;
                    if (ok && (write || Matches(pages[tag].Span, block[tag])))
                    {
                        result.Completed++;
                    }
                    else
                    {
                        result.DataErrors++;
                    }

                    free.Push(tag);
                }

                idle = progress ? 0 : idle + 1;
            }

            result.DataErrors += writes - done;
        }
    }

    private static void Fill(Span<byte> data, int block) => Data.Fill(data, block * 13);

    private static bool Matches(ReadOnlySpan<byte> data, int block) => Data.Matches(data, block * 13);
}
