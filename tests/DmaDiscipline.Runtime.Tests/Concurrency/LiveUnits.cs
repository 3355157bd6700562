using System.Collections.Concurrent;

namespace DmaDiscipline.Runtime.Tests.Concurrency;

/// <summary>
/// The test's own record of which device-visible units (IOVA pages of a domain, bounce slots) live
/// mappings hold. A unit handed to two live mappings at once is the bug this catches: claimed right
/// after the map returns, released right before the unmap is called.
/// </summary>
internal sealed class LiveUnits
{
    private readonly ConcurrentDictionary<(int Space, ulong Unit), long> _owners = new();

    public void Claim(int space, ulong first, ulong count, long owner)
    {
        for (ulong unit = first; unit < first + count; unit++)
        {
            if (!_owners.TryAdd((space, unit), owner))
            {
                throw new InvalidOperationException(
                    $"Unit 0x{unit:x} of space {space} handed to mapping {owner} while mapping {_owners.GetValueOrDefault((space, unit))} still holds it.");
            }
        }
    }

    public void Release(int space, ulong first, ulong count)
    {
        for (ulong unit = first; unit < first + count; unit++)
        {
            _owners.TryRemove((space, unit), out _);
        }
    }

    public int Count => _owners.Count;
}
