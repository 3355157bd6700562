using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The carriers (<see cref="AddressCarriers"/>: the declarations read once, the sink-name fixpoint) computed once for
    /// two compilations of the same code. In a build the analyzers see the compilation the summary generator leaves — a
    /// new <see cref="Compilation"/> whose syntax trees are the generator's same tree objects plus the one it adds, which
    /// holds only assembly attributes — and would otherwise read every declaration and run the fixpoint again.
    /// <para>
    /// The carriers are computed from the syntax of the trees, the referenced assemblies and names (strings) only, never
    /// from a symbol of the compilation's own source; so two compilations give the same carriers when they have the same
    /// trees that declare something (a tree with no member, no using and no extern — only assembly attributes — adds
    /// nothing to them), the same references, options and symbols files, and the same input names
    /// (<paramref name="inputs"/> of <see cref="GetOrCompute"/>). Anything else differing computes them afresh.
    /// </para>
    /// </summary>
    internal static class SharedCarriers
    {
        // Keyed by the first declaring tree (the tree objects live as long as some compilation holds them); one entry each, the latest.
        private static readonly ConditionalWeakTable<SyntaxTree, Entry> ByFirstTree = new ConditionalWeakTable<SyntaxTree, Entry>();

        private static int _computed;

        /// <summary>How many times the carriers were computed for a compilation that declares something, in this process: for benchmarks.</summary>
        internal static int Computed => Volatile.Read(ref _computed);

        /// <param name="files">The symbols files the names were read with.</param>
        /// <param name="inputs">Every name and flag the carriers are computed from (<see cref="DmaSymbols.Carriers"/> says which), as one string.</param>
        public static AddressCarriers GetOrCompute(Compilation compilation, ImmutableArray<AdditionalText> files, string inputs, Func<AddressCarriers> compute, CancellationToken cancellationToken)
        {
            var trees = DeclaringTrees(compilation, cancellationToken);
            if (trees.Count == 0)
            {
                return compute();
            }

            var key = new Entry(trees, compilation, files, inputs, null);
            lock (ByFirstTree)
            {
                if (ByFirstTree.TryGetValue(trees[0], out var found) && found.Matches(key))
                {
                    return found.Carriers!;
                }
            }

            // Computed outside the lock: two compilations racing both compute, and either result is right.
            Interlocked.Increment(ref _computed);
            var carriers = compute();
            lock (ByFirstTree)
            {
                ByFirstTree.Remove(trees[0]);
                ByFirstTree.Add(trees[0], new Entry(trees, compilation, files, inputs, carriers));
            }

            return carriers;
        }

        /// <summary>
        /// The trees that can add to the carriers: all but those whose root holds only attributes (or nothing), such as the
        /// summary generator's own output.
        /// </summary>
        internal static List<SyntaxTree> DeclaringTrees(Compilation compilation, CancellationToken cancellationToken)
        {
            var trees = new List<SyntaxTree>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (!(tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit) || unit.Members.Count > 0 || unit.Usings.Count > 0 || unit.Externs.Count > 0)
                {
                    trees.Add(tree);
                }
            }

            return trees;
        }

        private sealed class Entry
        {
            private readonly List<SyntaxTree> _trees;
            private readonly ImmutableArray<MetadataReference> _references;
            private readonly CompilationOptions _options;
            private readonly ParseOptions? _parseOptions;
            private readonly string? _assemblyName;
            private readonly ImmutableArray<AdditionalText> _files;
            private readonly string _inputs;

            public Entry(List<SyntaxTree> trees, Compilation compilation, ImmutableArray<AdditionalText> files, string inputs, AddressCarriers? carriers)
            {
                _trees = trees;
                _references = ImmutableArray.CreateRange(compilation.References);
                _options = compilation.Options;
                _parseOptions = trees[0].Options;
                _assemblyName = compilation.AssemblyName;
                _files = files;
                _inputs = inputs;
                Carriers = carriers;
            }

            public AddressCarriers? Carriers { get; }

            public bool Matches(Entry other)
            {
                if (_trees.Count != other._trees.Count || _references.Length != other._references.Length || _files.Length != other._files.Length
                    || _assemblyName != other._assemblyName || !Equals(_options, other._options) || !Equals(_parseOptions, other._parseOptions)
                    || !string.Equals(_inputs, other._inputs, StringComparison.Ordinal))
                {
                    return false;
                }

                for (var i = 0; i < _trees.Count; i++)
                {
                    if (!ReferenceEquals(_trees[i], other._trees[i]))
                    {
                        return false;
                    }
                }

                for (var i = 0; i < _references.Length; i++)
                {
                    if (!ReferenceEquals(_references[i], other._references[i]))
                    {
                        return false;
                    }
                }

                for (var i = 0; i < _files.Length; i++)
                {
                    if (!ReferenceEquals(_files[i], other._files[i]))
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
