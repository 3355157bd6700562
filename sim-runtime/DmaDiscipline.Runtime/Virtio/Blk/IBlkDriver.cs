namespace DmaDiscipline.Runtime.Virtio.Blk;

/// <summary>
/// What the runner asks of a block driver: its first (or only) request queue (<see cref="IBlkQueue"/>)
/// and teardown. A driver that runs several request queues also implements <see cref="IMultiQueueBlkDriver"/>.
/// </summary>
public interface IBlkDriver : IBlkQueue, IDisposable
{
}
