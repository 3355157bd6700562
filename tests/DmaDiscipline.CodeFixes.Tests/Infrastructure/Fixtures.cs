namespace DmaDiscipline.CodeFixes.Tests.Infrastructure;

/// <summary>Driver-side code every test compiles with: a device ring whose address slots are device-visible.</summary>
public static class Fixtures
{
    public const string Ring = """
        using System;
        using DmaDiscipline.Runtime;
        using DmaDiscipline.Runtime.Virtio;

        /// <summary>
        /// A device's descriptor ring: the device reads what <c>Post</c> posts and writes what <c>PostWritable</c> posts
        /// (declared on the sinks); <c>WriteDesc</c> writes a split descriptor whose WRITE bit comes from <c>flags</c>.
        /// </summary>
        sealed class Ring
        {
            private VirtqDesc _last;

            public void Post([BusAddress(DeviceReads = true)] ulong address, int length) { }

            public void PostWritable([BusAddress(DeviceWrites = true)] ulong address, int length) { }

            public void Post(DmaAddr address, int length) => Post(address.Value, length);

            public bool Completed(int token) => true;

            public void WriteDesc(int index, [BusAddress] ulong addr, int len, DescFlags flags) => _last = new VirtqDesc(addr, (uint)len, (VirtqDescFlags)flags, (ushort)index);

            public VirtqDesc Last => _last;
        }

        [Flags]
        enum DescFlags : ushort { None = 0, Next = 1, Write = 2 }
        """;
}
