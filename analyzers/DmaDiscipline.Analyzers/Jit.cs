using System.Runtime.CompilerServices;

namespace DmaDiscipline.Analyzers
{
    /// <summary>How the analyzers' hot paths are compiled by the JIT.</summary>
    internal static class Jit
    {
        /// <summary>
        /// MethodImplOptions.AggressiveOptimization (absent from netstandard2.0; ignored by hosts
        /// without tiered compilation). A compiler process lives for one build and keeps JIT-compiling
        /// new code, so tiering keeps postponing the optimisation of analyzer code: the dataflow and the
        /// prefilters would run unoptimised for most of the build (measured: 20 % of the mapping
        /// rules' time). Methods marked with it are compiled optimised on their first call.
        /// </summary>
        public const MethodImplOptions Optimized = (MethodImplOptions)512;
    }
}
