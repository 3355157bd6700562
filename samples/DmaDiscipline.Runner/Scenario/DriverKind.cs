namespace DmaDiscipline.Runner.Scenario;

/// <summary>A driver of the matrix: its name (for <c>--driver</c>), family, device, and how to probe it on a device.</summary>
/// <param name="BaseName">The catalogue name (<c>--driver</c>); the row name adds the queue count when it is above 1.</param>
/// <param name="Family">Legacy, disciplined or userspace.</param>
/// <param name="Device">Which virtio device it drives.</param>
/// <param name="Description">What it is, in one line.</param>
/// <param name="Probe">Binds the driver to a device, asking for this many queue pairs or request queues (returns an <c>INetDriver</c> or <c>IBlkDriver</c>).</param>
/// <param name="MultiQueue">Whether the driver runs several queues when asked (the disciplined ones); the others run one.</param>
internal sealed record DriverKind(string BaseName, DriverFamily Family, DeviceKind Device, string Description, Func<BoundDevice, PlatformScenario, int, IDisposable> Probe, bool MultiQueue = false)
{
    /// <summary>Queue pairs (net) or request queues (blk) the driver runs, one thread each.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>Row name: the catalogue name, with <c>/Nq</c> for N queues above 1 (<c>net/2q</c>).</summary>
    public string Name => Queues == 1 ? BaseName : $"{BaseName}/{Queues}q";

    /// <summary>The same driver running <paramref name="queues"/> queues.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 queue, or more than 1 for a single-queue driver.</exception>
    public DriverKind WithQueues(int queues)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        if (queues > 1 && !MultiQueue)
        {
            throw new ArgumentOutOfRangeException(nameof(queues), queues, $"{BaseName} runs one queue.");
        }

        return this with { Queues = queues };
    }
}
