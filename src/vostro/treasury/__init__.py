"""Treasury: the rupee surplus in Russian banks' vostro accounts and its investment."""
