using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Operations as keys by identity, hashed by their place in the source: the walk looks a map call's site up at
    /// every visit of the call, and an object's identity hash takes the runtime's slow path on every call. Operations
    /// at one place (an implicit conversion and its operand) only share a bucket; the hash is the same from run to run.
    /// </summary>
    internal sealed class ByPlace : IEqualityComparer<IOperation>
    {
        public static readonly ByPlace Instance = new ByPlace();

        private ByPlace()
        {
        }

        [MethodImpl(Jit.Optimized)]
        public bool Equals(IOperation? x, IOperation? y) => ReferenceEquals(x, y);

        [MethodImpl(Jit.Optimized)]
        public int GetHashCode(IOperation operation) => Hash(operation.Syntax.SpanStart);

        /// <summary>A position's bits spread over the low bits that hash tables and the state's tries use first (lowbias32).</summary>
        [MethodImpl(Jit.Optimized)]
        public static int Hash(int position)
        {
            var x = (uint)position;
            x ^= x >> 16;
            x *= 0x7feb352d;
            x ^= x >> 15;
            x *= 0x846ca68b;
            x ^= x >> 16;
            return (int)x;
        }
    }
}
