using System.Numerics;

namespace DmaDiscipline.Runner.Matrix;

/// <summary>
/// Test data the workloads write and check: <c>base[i] + seed</c> (mod 256), filled and compared
/// with vector instructions so the check costs little next to the I/O it checks.
/// </summary>
internal sealed class Pattern
{
    private readonly byte[] _base;

    /// <summary>Creates a pattern of <paramref name="length"/> bytes with <c>base[i] = step(i)</c>.</summary>
    public Pattern(int length, Func<int, byte> step)
    {
        _base = new byte[length];
        for (int i = 0; i < length; i++)
        {
            _base[i] = step(i);
        }
    }

    /// <summary>Writes the pattern for <paramref name="seed"/> into <paramref name="destination"/>.</summary>
    public void Fill(Span<byte> destination, int seed)
    {
        var add = new Vector<byte>((byte)seed);
        int i = 0;
        for (; i + Vector<byte>.Count <= destination.Length; i += Vector<byte>.Count)
        {
            (new Vector<byte>(_base.AsSpan(i)) + add).CopyTo(destination[i..]);
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = (byte)(_base[i] + seed);
        }
    }

    /// <summary>Whether <paramref name="data"/> holds the pattern for <paramref name="seed"/>.</summary>
    public bool Matches(ReadOnlySpan<byte> data, int seed)
    {
        var add = new Vector<byte>((byte)seed);
        int i = 0;
        for (; i + Vector<byte>.Count <= data.Length; i += Vector<byte>.Count)
        {
            if (new Vector<byte>(data[i..]) != new Vector<byte>(_base.AsSpan(i)) + add)
            {
                return false;
            }
        }

        for (; i < data.Length; i++)
        {
            if (data[i] != (byte)(_base[i] + seed))
            {
                return false;
            }
        }

        return true;
    }
}
