import { useEffect, useState } from "react";

const KEY = "runnel.theme";

/** Light/dark theme: the system preference until the user picks one. */
export function useTheme(): { dark: boolean; toggle: () => void } {
  const [dark, setDark] = useState(() => {
    const saved = localStorage.getItem(KEY);
    return saved ? saved === "dark" : window.matchMedia?.("(prefers-color-scheme: dark)").matches === true;
  });
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? "dark" : "light";
  }, [dark]);
  return {
    dark,
    toggle: () =>
      setDark((d) => {
        localStorage.setItem(KEY, d ? "light" : "dark");
        return !d;
      }),
  };
}
