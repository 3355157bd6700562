using System;
using Microsoft.CodeAnalysis.Editing;

namespace DmaDiscipline.CodeFixes.Editing
{
    /// <summary>
    /// One fix worked out against the original syntax tree of a document: what it is called, which
    /// kind of fix it is (its equivalence key), what it changes (so that Fix All applies each change
    /// once even when several diagnostics ask for it) and the edit itself.
    /// </summary>
    internal sealed class PlannedFix
    {
        public PlannedFix(string title, string equivalenceKey, string target, Action<DocumentEditor> apply)
        {
            Title = title;
            EquivalenceKey = equivalenceKey;
            Target = target;
            Apply = apply;
        }

        public string Title { get; }

        public string EquivalenceKey { get; }

        /// <summary>Identifies what the edit changes; two plans with the same target make the same edit.</summary>
        public string Target { get; }

        public Action<DocumentEditor> Apply { get; }
    }
}
