using System.Collections.Generic;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// The names a text fixpoint (<see cref="ContentFlow"/>, <see cref="SinkFlow"/>) added to its sets since its last
    /// round took them: the next round reads only the declarations that name one of these.
    /// </summary>
    internal sealed class AddedNames
    {
        private List<string> _added = new List<string>();

        /// <summary>Adds <paramref name="name"/> to <paramref name="set"/>; true (and remembered) when it is new there.</summary>
        public bool AddTo(HashSet<string> set, string name)
        {
            if (!set.Add(name))
            {
                return false;
            }

            _added.Add(name);
            return true;
        }

        /// <summary>The names added since the last call.</summary>
        public List<string> Take()
        {
            var added = _added;
            _added = new List<string>();
            return added;
        }
    }
}
