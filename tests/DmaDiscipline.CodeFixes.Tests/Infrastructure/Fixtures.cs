namespace DmaDiscipline.CodeFixes.Tests.Infrastructure;

/// <summary>Driver-side code every test compiles with: a device ring whose address slots are device-visible.</summary>
public static class Fixtures
{
    public const string Ring = """
        using System;
        using DmaDiscipline.Runtime;

        /// <summary>A device's descriptor ring: the addresses posted here are read by the device.</summary>
        sealed class Ring
        {
            public void Post([BusAddress] ulong address, int length) { }

            public void PostWritable([BusAddress] ulong address, int length) { }

            public void Post(DmaAddr address, int length) => Post(address.Value, length);

            public bool Completed(int token) => true;

            public void WriteDesc(int index, [BusAddress] ulong addr, int len, DescFlags flags) { }
        }

        [Flags]
        enum DescFlags : ushort { None = 0, Next = 1, Write = 2 }
        """;
}
