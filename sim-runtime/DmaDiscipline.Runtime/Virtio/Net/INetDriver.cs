namespace DmaDiscipline.Runtime.Virtio.Net;

/// <summary>
/// What the runner asks of a network driver: its first (or only) queue pair's send and receive
/// (<see cref="INetQueue"/>), and teardown. A driver that runs several queue pairs also implements
/// <see cref="IMultiQueueNetDriver"/>.
/// </summary>
public interface INetDriver : INetQueue, IDisposable
{
}
